import FerryState
import FerryValues
import Foundation
import GRDB
import Logging
import MagentoConnector
import Sage200Connector
import Sage200Sandbox
import SageSide
import Testing

/// `sage200.import-orders`' core: orders into Sage 200 exactly once, customers found or created, record ids, totals.
@Suite struct ImportTests {
    @Test func anOrderBecomesOneSalesOrderWithTheMagentoNumberAndExactTotals() async throws {
        try await withSage200 { sage in
            let order = demoOrder(1, lines: 3)
            let outcome = try await sage.importer().importOrder(order)
            guard case .created(let number, _) = outcome else { Issue.record("not created: \(outcome)"); return }
            #expect(number == "0000000001")
            let orders = await sage.server.store.allOrders()
            let sales = try #require(orders.first)
            #expect(sales["customer_document_no"]?.text == order.incrementId)
            #expect(sales["total_gross_value"]?.decimal == order.grandTotal)
            let lines = sales["lines"]?.array ?? []
            #expect(lines.map { $0["line_type"]?.text } == ["EnumLineTypeStandard", "EnumLineTypeStandard", "EnumLineTypeStandard", "EnumLineTypeCharge"])
            // Tax codes go as record ids: 20 % is code 1, record id 2.
            #expect(lines.allSatisfy { $0["tax_code_id"]?.int != 1 || $0["line_tax_value"]?.decimal == 0 })
            // The same order again (a re-run, Magento sending it twice) is not sent again.
            #expect(try await sage.importer().importOrder(order) == .alreadyImported(documentNo: number))
            #expect(await sage.server.store.orderCounts()[order.incrementId] == 1)
            // One account for the customer, found by e-mail the next time.
            _ = try await sage.importer().importOrder(demoOrder(6))
            let customers = await sage.server.store.allCustomers()
            #expect(customers.count == 1)
            #expect(customers.first?["reference"]?.text?.count == 8)
        }
    }

    @Test func aConfigurableGoesInAsTheVariantSageStocksAtTheParentsPrice() async throws {
        try await withSage200 { sage in
            var order = demoOrder(3, lines: 1)
            let line = order.items[0]
            // Magento's rows: the parent priced, the variant child at 0 naming the SKU Sage stocks.
            order.items = [
                MagentoOrderItem(
                    itemId: "p", sku: "TEE", name: "Logo T-Shirt", productType: "configurable", qtyOrdered: line.qtyOrdered,
                    price: line.price, taxPercent: line.taxPercent, taxAmount: line.taxAmount, rowTotal: line.rowTotal),
                MagentoOrderItem(
                    itemId: "c", parentItemId: "p", sku: "TEE-RED-M", name: "Logo T-Shirt Red M", qtyOrdered: line.qtyOrdered,
                    price: 0, rowTotal: 0),
            ]
            let outcome = try await sage.importer().importOrder(order)
            guard case .created = outcome else { Issue.record("not created: \(outcome)"); return }
            let sales = try #require(await sage.server.store.allOrders().first)
            let lines = sales["lines"]?.array ?? []
            #expect(lines.first?["code"]?.text == "TEE-RED-M")
            #expect(lines.first?["line_type"]?.text == "EnumLineTypeStandard")
            #expect(sales["total_gross_value"]?.decimal == order.grandTotal)
        }
    }

    @Test func lostAnswersAndRetriesNeverDoubleAnOrder() async throws {
        let faults = Sage200Faults(rate429: 0.1, rate5xx: 0.1, dropAfterApply: 0.35, seed: 5)
        try await withSage200(options: Sage200SandboxOptions(faults: faults)) { sage in
            // The stand-in's 5xx come before it does anything: no wait for a POST the server might still finish.
            let importer = Sage200OrderImporter(
                client: sage.client, ledger: sage.ledger, settings: .init(), logger: Logger(label: "test"), undecidedSeconds: 0)
            var pending = (1...60).map { demoOrder($0) }
            var rounds = 0
            // A transient failure leaves the order for the next run, as the engine retries the file.
            while !pending.isEmpty && rounds < 20 {
                rounds += 1
                var next: [SageSide.MagentoOrder] = []
                for order in pending {
                    do {
                        let outcome = try await importer.importOrder(order)
                        #expect(outcome.documentNo != nil, "\(outcome)")
                    } catch let error as Sage200Error where error.isTransient {
                        next.append(order)
                    }
                }
                pending = next
            }
            #expect(pending.isEmpty)
            let counts = await sage.server.store.orderCounts()
            #expect(counts.count == 60)
            #expect(counts.values.allSatisfy { $0 == 1 })
            #expect(try sage.ledger.all().allSatisfy { $0.state == "created" })
        }
    }

    @Test func aPostWhoseAnswerWasLostBeforeACrashIsAdoptedNotResent() async throws {
        try await withSage200 { sage in
            let order = demoOrder(3)
            _ = try await sage.importer().importOrder(order)
            // As if ferry died between the POST and recording Sage's answer: the ledger says only "posting".
            try await sage.store.write { db in
                try db.execute(sql: "UPDATE sage200_orders SET state = 'posting', sage_id = NULL, document_no = NULL")
            }
            let outcome = try await sage.importer().importOrder(order)
            guard case .adopted = outcome else { Issue.record("expected adopted, got \(outcome)"); return }
            #expect(await sage.server.store.orderCounts()[order.incrementId] == 1)
        }
    }

    @Test func ordersSageCannotTakeAreRefusedWithTheReason() async throws {
        try await withSage200 { sage in
            var ghost = demoOrder(4)
            ghost.items[0].sku = "NO-SUCH-SKU"
            let ghostOutcome = try await sage.importer().importOrder(ghost)
            guard case .refused(let reason) = ghostOutcome else {
                Issue.record("unknown SKU accepted: \(ghostOutcome)"); return
            }
            #expect(reason.contains("NO-SUCH-SKU"))
            var settings = Sage200OrderSettings()
            settings.freeTextForUnknownSkus = true
            let freeText = try await sage.importer(settings).importOrder(ghost)
            #expect(freeText.documentNo != nil)

            var off = demoOrder(5)
            off.grandTotal += Decimal(string: "0.01")!
            let offOutcome = try await sage.importer().importOrder(off)
            guard case .refused(let why) = offOutcome else {
                Issue.record("a total a penny off was accepted: \(offOutcome)"); return
            }
            #expect(why.contains("grand_total"))
            #expect(await sage.server.store.orderCounts()[off.incrementId] == nil)
        }
    }

    @Test func stockIsAllocatedOnEntry() async throws {
        try await withSage200 { sage in
            let before = await sage.server.store.freeStock(warehouses: ["HOME"])
            let order = demoOrder(8, lines: 1)
            let outcome = try await sage.importer().importOrder(order)
            #expect(outcome.documentNo != nil, "\(outcome)")
            let after = await sage.server.store.freeStock(warehouses: ["HOME"])
            let sku = order.items[0].sku
            #expect(after[sku] == (before[sku] ?? 0) - order.items[0].qtyOrdered)
        }
    }
}

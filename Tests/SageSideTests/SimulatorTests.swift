import FerryTestSupport
import FerryXML
import Foundation
import GRDB
@testable import SageSimulator
import SageSide
import Testing

@Suite("The Sage-side simulator")
struct SimulatorTests {
    func simulator(_ dir: URL, configure: (inout SageSimulatorSettings) -> Void = { _ in }) throws -> SageSimulator {
        var settings = SageSimulatorSettings(root: dir, databasePath: dir.appendingPathComponent("company.sqlite").path)
        settings.firstOrderNumber = 500
        configure(&settings)
        return try SageSimulator(settings: settings, logger: quietLogger)
    }

    /// Maps Magento orders into the outbox as the map stage would.
    func sendOrders(_ orders: [MagentoOrder], dir: URL, name: String = "batch-1.xml") throws {
        let input = dir.appendingPathComponent("magento-\(name)")
        try writeMagentoOrders(orders, to: input)
        let out = dir.appendingPathComponent("outbox/sage-orders/\(name)")
        _ = try OrderFileMapper(settings: OrderMappingSettings(), logger: quietLogger).map(
            input: input, output: { out }, fail: nil, sent: nil, lookup: nil)
    }

    @Test func roundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try simulator(dir)
            var guest = baseOrder(2)
            guest.isGuest = true
            guest.customerId = nil
            var unknown = baseOrder(3)
            unknown.items[0].sku = "NOSUCH1"
            try sendOrders([baseOrder(1), guest, unknown], dir: dir)

            let report = try await sim.runOnce()
            #expect(report == SimulatorReport(files: 1, imported: 3, failed: 0))
            // Input archived, success file in Zynk format with Sage's numbers.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("outbox/sage-orders").path) == [])
            let success = dir.appendingPathComponent("inbox/sage-success/batch-1_success.xml")
            let orders = try records(success, ["Company", "SalesOrders", "SalesOrder"]).map(SalesOrder.init(record:))
            #expect(orders.map(\.salesOrderNumber) == ["500", "501", "502"])
            #expect(orders.map(\.customerOrderNumber) == ["100000001", "100000002", "100000003"])

            // Stock was allocated for DESK001 (2 per known order) and S1 used for the unknown code.
            let items = try await sim.company.queue.read { db in
                try String.fetchAll(db, sql: "SELECT sku FROM sales_order_items ORDER BY order_number")
            }
            #expect(items == ["DESK001", "DESK001", "S1"])

            // Mapping 2 on the success file gives Magento updates with the Sage numbers.
            let updates = dir.appendingPathComponent("updates.xml")
            let result = try SuccessFileMapper(settings: SuccessMappingSettings(), logger: quietLogger).map(
                input: success, output: { updates })
            #expect(result.updated == 3)
            let comments = try records(updates, ["ArrayOfOrderInfo", "OrderInfo"]).map { $0.string("comment") }
            #expect(comments.first == "Imported into Sage as sales order 500")

            // The same file again: PreventDuplicates -> fail file, never a second import.
            try sendOrders([baseOrder(1)], dir: dir, name: "batch-2.xml")
            let second = try await sim.runOnce()
            #expect(second.failed == 1 && second.imported == 0)
            var reasons: [String] = []
            try FailFileReader.forEachFailure(in: dir.appendingPathComponent("inbox/sage-failed/batch-2_fail.xml")) {
                reasons.append($0.reason)
            }
            #expect(reasons.count == 1)
            #expect(reasons.first?.contains("already imported as 500") == true)

            // Stock export: DESK001's free stock went down by 4 (or to zero), and it maps to Magento inventory.
            let export = try #require(try await sim.exportStock(all: true))
            let products = try records(export, ["Company", "Products", "Product"]).map(SageProduct.init(record:))
            let desk = try #require(products.first { $0.sku == "DESK001" })
            let catalogue = try #require(DemoCatalogue.products().first { $0.sku == "DESK001" })
            #expect(desk.qtyAllocated == Decimal(min(4, catalogue.initialStock)))
            #expect(products.count == DemoCatalogue.products().count)
            // Only what changed goes out next time.
            try sim.setStock(sku: "LAMP001", quantity: 7)
            let delta = try #require(try await sim.exportStock())
            #expect(try records(delta, ["Company", "Products", "Product"]).map { $0.string("Sku") } == ["LAMP001"])
        }
    }

    @Test func unknownStockCodeFailsWhenConfigured() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try simulator(dir) { $0.unknownStockCode = .fail }
            var unknown = baseOrder(1)
            unknown.items[0].sku = "NOSUCH1"
            try sendOrders([unknown, baseOrder(2)], dir: dir)
            let report = try await sim.runOnce()
            #expect(report.imported == 1 && report.failed == 1)
            let failed = try records(
                dir.appendingPathComponent("inbox/sage-failed/batch-1_fail.xml"), ["Company", "SalesOrders", "SalesOrder"])
            #expect(failed.first?.children.first?.name == "Errors")
            #expect(SalesOrder.errors(of: failed[0]).first?.name == "Stock Transaction Import")
        }
    }

    @Test func usernameInUseFailsTheWholeFile() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try simulator(dir) { $0.faults.usernameInUse = true }
            try sendOrders([baseOrder(1), baseOrder(2)], dir: dir)
            let report = try await sim.runOnce()
            #expect(report.failed == 2 && report.imported == 0)
            var reasons: [String] = []
            try FailFileReader.forEachFailure(in: dir.appendingPathComponent("inbox/sage-failed/batch-1_fail.xml")) {
                reasons.append($0.reason)
            }
            #expect(reasons.allSatisfy { $0.contains("Username is already in use") })
        }
    }

    @Test func autoCreatesAccountsWithGeneratedReferences() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try simulator(dir)
            let input = dir.appendingPathComponent("m.xml")
            try writeMagentoOrders([baseOrder(1), baseOrder(2)], to: input)
            var settings = OrderMappingSettings()
            settings.unmappedCustomers = "autoCreate"
            _ = try OrderFileMapper(settings: settings, logger: quietLogger).map(
                input: input, output: { dir.appendingPathComponent("outbox/sage-orders/a.xml") }, fail: nil,
                sent: nil, lookup: nil)
            _ = try await sim.runOnce()
            let accounts = try await sim.company.queue.read { db in
                try String.fetchAll(db, sql: "SELECT account_ref FROM customers ORDER BY account_ref")
            }
            // Company "Zynk Ltd" -> ZYN001, found again by e-mail for the second order.
            #expect(accounts == ["ZYN001"])
        }
    }

    @Test func slowWriteStillProducesTheWholeFile() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try simulator(dir) {
                $0.faults.slowWriteChunk = 256
                $0.faults.slowWriteDelay = .milliseconds(1)
            }
            try sendOrders([baseOrder(1)], dir: dir)
            _ = try await sim.runOnce()
            let success = dir.appendingPathComponent("inbox/sage-success/batch-1_success.xml")
            #expect(try records(success, ["Company", "SalesOrders", "SalesOrder"]).count == 1)
        }
    }

    /// A reader of the company file (ferry's tests poll it; an operator may open it with sqlite3) holding a read
    /// transaction while the job starts: the job waits for it instead of failing its start with "database is
    /// locked" (seen in CI, SageCrashTests).
    @Test func aReaderOnTheCompanyFileDoesNotStopTheJobStarting() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("company.sqlite").path
            let reader = try DatabaseQueue(path: path)
            let reading = DispatchSemaphore(value: 0)
            let holder = Thread {
                try? reader.read { db in
                    _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master")
                    reading.signal()
                    Thread.sleep(forTimeInterval: 0.5)
                }
            }
            holder.start()
            reading.wait()
            let sim = try simulator(dir)
            #expect(try sim.company.queue.read { db in try db.tableExists("sales_orders") })
        }
    }
}

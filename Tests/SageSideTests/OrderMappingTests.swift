import FerryTestSupport
import FerryXML
import Foundation
import SageSide
import Testing

/// One fixture of mapping 1: an order, settings, and what must come out.
struct MappingCase: Sendable, CustomStringConvertible {
    let description: String
    let order: MagentoOrder
    var settings = OrderMappingSettings()
    let check: @Sendable (MappedOrder, ValidationOutcome) -> Void
}

let mappingCases: [MappingCase] = [
    MappingCase(
        description: "guest to the web account",
        order: { var o = baseOrder(); o.isGuest = true; o.customerId = nil; return o }(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.accountReference == "WEBSALES")
            #expect(mapped.salesOrder.customerId == nil)
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "registered customer in the customer map",
        order: baseOrder(),
        settings: { var s = OrderMappingSettings(); s.customerAccounts = ["42": "HAR001"]; return s }(),
        check: { mapped, outcome in
            let order = mapped.salesOrder
            #expect(order.accountReference == "HAR001")
            #expect(order.customerId == "42")
            #expect(order.id == "1")
            #expect(order.customerOrderNumber == "100000001")
            #expect(order.salesOrderDate == "2024-01-15T12:00:00")
            #expect(order.takenBy == "Magento")
            #expect(order.deliveryAddress?.address1 == "6-8 Charlotte Square")
            #expect(order.deliveryAddress?.address2 == "Floor 2")
            #expect(order.deliveryAddress?.email == "joe@example.com")
            #expect(order.items.map(\.taxCode) == [1])
            #expect(order.carriage?.unitPrice == 5)
            #expect(order.carriage?.taxCode == 1)
            #expect(order.paymentAmount == 30)
            #expect(order.bankAccount == "1200")
            #expect(order.paymentRef == "checkmo")
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "registered customer, unmapped, autoCreate",
        order: baseOrder(),
        settings: { var s = OrderMappingSettings(); s.unmappedCustomers = "autoCreate"; return s }(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.accountReference == nil)
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "configurable parent and child merged",
        order: {
            var o = baseOrder()
            o.items = [
                MagentoOrderItem(
                    itemId: "1", sku: "TEE", name: "Logo T-Shirt", productType: "configurable", qtyOrdered: 2,
                    price: 10, taxPercent: 20, taxAmount: 4, rowTotal: 20),
                MagentoOrderItem(
                    itemId: "2", parentItemId: "1", sku: "TEE-RED-M", name: "Logo T-Shirt Red M", qtyOrdered: 2,
                    price: 0, rowTotal: 0),
            ]
            return o
        }(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.items.count == 1)
            #expect(mapped.salesOrder.items.first?.sku == "TEE-RED-M")
            #expect(mapped.salesOrder.items.first?.unitPrice == 10)
            #expect(mapped.salesOrder.items.first?.name == "Logo T-Shirt Red M")
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "bundle as its children",
        order: bundleOrder(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.items.map(\.sku) == ["DESK001", "LAMP001"])
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "bundle as the bundle line",
        order: bundleOrder(),
        settings: { var s = OrderMappingSettings(); s.bundles = "bundle"; return s }(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.items.map(\.sku) == ["KIT-DESK"])
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "discount at line level",
        order: {
            var o = baseOrder()
            o.items = [
                MagentoOrderItem(
                    itemId: "1", sku: "DESK001", name: "Desk", qtyOrdered: 3, price: 10, taxPercent: 20,
                    taxAmount: d("5.40"), discountAmount: 3, rowTotal: 30)
            ]
            o.discountAmount = -3
            o.grandTotal = d("38.40")  // 27 + 5.40 + 5 + 1
            return o
        }(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.items.first?.unitDiscountAmount == 1)
            #expect(mapped.salesOrder.items.first?.sageNet == 27)
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "EUR guest to the per-currency account",
        order: { var o = baseOrder(); o.isGuest = true; o.customerId = nil; o.currency = "EUR"; return o }(),
        settings: { var s = OrderMappingSettings(); s.guestAccountByCurrency = ["EUR": "WEBEUR"]; return s }(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.accountReference == "WEBEUR")
            #expect(mapped.salesOrder.currency == "EUR")
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "EU consumer, standard rate",
        order: withCountry(baseOrder(), "FR"),
        check: { mapped, outcome in
            #expect(mapped.destination == .eu)
            #expect(mapped.salesOrder.items.first?.taxCode == 1)
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "EU VAT-registered business gets T4",
        order: { var o = zeroRated(withCountry(baseOrder(), "DE")); o.customerTaxvat = "DE123456789"; return o }(),
        check: { mapped, outcome in
            #expect(mapped.destination == .euVatRegistered)
            #expect(mapped.salesOrder.items.first?.taxCode == 4)
            #expect(mapped.salesOrder.carriage?.taxCode == 4)
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "rest of world gets T0",
        order: zeroRated(withCountry(baseOrder(), "US")),
        check: { mapped, outcome in
            #expect(mapped.destination == .restOfWorld)
            #expect(mapped.salesOrder.items.first?.taxCode == 0)
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "61-character address line fails",
        order: { var o = baseOrder(); o.shippingAddress?.street = [String(repeating: "a", count: 61)]; return o }(),
        check: { _, outcome in
            #expect(!outcome.passed)
            #expect(outcome.violations.map(\.field) == ["SalesOrderDeliveryAddress/Address1"])
            #expect(outcome.violations.first?.description.contains("at most 60 characters") == true)
        }),
    MappingCase(
        description: "61-character address line truncated when asked",
        order: { var o = baseOrder(); o.shippingAddress?.street = [String(repeating: "a", count: 61)]; return o }(),
        settings: { var s = OrderMappingSettings(); s.longFields = "truncate"; return s }(),
        check: { _, outcome in
            #expect(outcome.passed)
            #expect(outcome.order.deliveryAddress?.address1?.count == 60)
            #expect(outcome.order.notes3 == "ferry truncated: Delivery/Address1")
        }),
    MappingCase(
        description: "9-character account reference fails",
        order: baseOrder(),
        settings: { var s = OrderMappingSettings(); s.customerAccounts = ["42": "ABCDEFGHI"]; return s }(),
        check: { _, outcome in
            #expect(outcome.violations.map(\.field) == ["AccountReference"])
            #expect(outcome.violations.first?.value == "ABCDEFGHI")
        }),
    MappingCase(
        description: "SKU outside Sage's stock code set fails",
        order: { var o = baseOrder(); o.items[0].sku = "desk 001!"; return o }(),
        check: { _, outcome in
            #expect(outcome.violations.map(\.field) == ["SalesOrderItems/Item[1]/Sku"])
        }),
    MappingCase(
        description: "penny rounding: 4 x 14.12 with row total 56.47 (the reference sample)",
        order: {
            var o = baseOrder()
            o.items = [
                MagentoOrderItem(
                    itemId: "6", sku: "76460", name: "Lung Beef", qtyOrdered: 4, price: d("14.12"), taxPercent: 20,
                    taxAmount: d("11.29"), rowTotal: d("56.47"))
            ]
            o.shippingAmount = 20
            o.shippingTaxAmount = 0
            o.grandTotal = d("87.76")
            return o
        }(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.items.first?.unitDiscountAmount == d("0.0025"))
            #expect(mapped.salesOrder.items.first?.sageNet == d("56.47"))
            #expect(mapped.salesOrder.carriage?.taxCode == 0)
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "penny rounding upwards adjusts the unit price",
        order: {
            var o = baseOrder()
            o.items = [
                MagentoOrderItem(
                    itemId: "1", sku: "PEN001", name: "Pens", qtyOrdered: 3, price: d("3.33"), taxPercent: 20,
                    taxAmount: 2, rowTotal: 10)
            ]
            o.grandTotal = 18  // 10 + 2 + 5 + 1
            return o
        }(),
        check: { mapped, outcome in
            #expect(mapped.salesOrder.items.first?.unitPrice == d("3.3333"))
            #expect(mapped.salesOrder.items.first?.unitDiscountAmount == nil)
            #expect(outcome.passed)
        }),
    MappingCase(
        description: "summer date converted to BST",
        order: { var o = baseOrder(); o.createdAt = "2024-07-01 23:30:00"; return o }(),
        check: { mapped, _ in #expect(mapped.salesOrder.salesOrderDate == "2024-07-02T00:30:00") }),
    MappingCase(
        description: "totals that do not reconcile fail",
        order: { var o = baseOrder(); o.grandTotal = d("30.05"); return o }(),
        check: { _, outcome in
            #expect(outcome.violations.map(\.field) == ["Totals"])
            #expect(outcome.violations.first?.limit.contains("add up to 30, not to its grand_total") == true)
        }),
]

func bundleOrder() -> MagentoOrder {
    var o = baseOrder()
    o.items = [
        MagentoOrderItem(
            itemId: "1", sku: "KIT-DESK", name: "Desk Kit", productType: "bundle", qtyOrdered: 1, price: 30,
            taxPercent: 20, taxAmount: 6, rowTotal: 30),
        MagentoOrderItem(
            itemId: "2", parentItemId: "1", sku: "DESK001", name: "Desk", qtyOrdered: 1, price: 10, taxPercent: 20,
            taxAmount: 2, rowTotal: 10),
        MagentoOrderItem(
            itemId: "3", parentItemId: "1", sku: "LAMP001", name: "Lamp", qtyOrdered: 1, price: 20, taxPercent: 20,
            taxAmount: 4, rowTotal: 20),
    ]
    o.grandTotal = 42  // 30 + 6 + 5 + 1
    return o
}

func withCountry(_ order: MagentoOrder, _ country: String) -> MagentoOrder {
    var o = order
    o.shippingAddress?.countryId = country
    o.billingAddress?.countryId = country
    return o
}

/// No VAT charged (export or reverse charge): lines, carriage and totals without tax.
func zeroRated(_ order: MagentoOrder) -> MagentoOrder {
    var o = order
    for index in o.items.indices {
        o.items[index].taxPercent = 0
        o.items[index].taxAmount = 0
    }
    o.shippingTaxAmount = 0
    o.taxAmount = 0
    o.grandTotal = 25
    return o
}

@Suite("Mapping 1: Magento orders to Sage sales orders")
struct OrderMappingTests {
    @Test(arguments: mappingCases)
    func fixture(_ c: MappingCase) throws {
        let mapped = try OrderMapper(settings: c.settings).map(c.order)
        let outcome = PreValidator(settings: c.settings).validate(mapped)
        c.check(mapped, outcome)
    }

    /// The same fixtures through the files: our XML generator, the streaming reader, the fail output.
    @Test(arguments: mappingCases)
    func fixtureThroughFiles(_ c: MappingCase) async throws {
        try await withTemporaryDirectory { dir in
            let input = dir.appendingPathComponent("orders.xml")
            try writeMagentoOrders([c.order], to: input)
            let mapper = OrderFileMapper(settings: c.settings, logger: quietLogger)
            let out = dir.appendingPathComponent("out.xml")
            let fail = dir.appendingPathComponent("fail.xml")
            let summary = try mapper.map(
                input: input, output: { out }, fail: { fail }, sent: nil, lookup: nil)
            let expected = PreValidator(settings: c.settings).validate(
                try OrderMapper(settings: c.settings).map(c.order))
            #expect(summary.read == 1)
            if expected.passed {
                let written = try records(out, ["Company", "SalesOrders", "SalesOrder"])
                #expect(try written.map(SalesOrder.init(record:)) == [expected.order])
            } else {
                let failed = try records(fail, ["Company", "SalesOrders", "SalesOrder"])
                #expect(failed.count == 1)
                #expect(failed.first?.children.first?.name == "Errors")
                let errors = failed.first.map(SalesOrder.errors(of:)) ?? []
                #expect(errors.map(\.name) == Array(repeating: "Pre-validation", count: expected.violations.count))
                #expect(errors.map(\.description) == expected.violations.map(\.description))
            }
        }
    }

    @Test func oneBadOrderDoesNotFailTheFile() async throws {
        try await withTemporaryDirectory { dir in
            var bad = baseOrder(2)
            bad.grandTotal = 99
            let input = dir.appendingPathComponent("orders.xml")
            try writeMagentoOrders([baseOrder(1), bad, baseOrder(3)], to: input)
            let out = dir.appendingPathComponent("out.xml")
            let fail = dir.appendingPathComponent("fail.xml")
            let summary = try OrderFileMapper(settings: OrderMappingSettings(), logger: quietLogger).map(
                input: input, output: { out }, fail: { fail }, sent: nil, lookup: nil)
            #expect(summary.sent == 2)
            #expect(summary.failed == 1)
            #expect(try records(out, ["Company", "SalesOrders", "SalesOrder"]).map { $0.string("Id") } == ["1", "3"])
            #expect(try records(fail, ["Company", "SalesOrders", "SalesOrder"]).map { $0.string("Id") } == ["2"])
        }
    }

    @Test func unreadableAmountFailsOnlyThatOrder() async throws {
        try await withTemporaryDirectory { dir in
            let input = dir.appendingPathComponent("orders.xml")
            try writeMagentoOrders([baseOrder(1)], to: input)
            var text = try String(contentsOf: input, encoding: .utf8)
            text = text.replacingOccurrences(of: "</ArrayOfOrderInfo>", with: """
                <OrderInfo><order_id>9</order_id><increment_id>100000009</increment_id>\
                <created_at>2024-01-01 00:00:00</created_at><grand_total>12,50</grand_total></OrderInfo>
                </ArrayOfOrderInfo>
                """)
            try text.write(to: input, atomically: true, encoding: .utf8)
            let fail = dir.appendingPathComponent("fail.xml")
            let summary = try OrderFileMapper(settings: OrderMappingSettings(), logger: quietLogger).map(
                input: input, output: { dir.appendingPathComponent("out.xml") }, fail: { fail }, sent: nil,
                lookup: nil)
            #expect(summary.sent == 1 && summary.failed == 1)
            let errors = try records(fail, ["Company", "SalesOrders", "SalesOrder"]).first.map(SalesOrder.errors(of:))
            #expect(errors?.first?.name == "Validation")
            #expect(errors?.first?.description.contains("grand_total is '12,50'") == true)
        }
    }

    @Test func settingsRejectUnknownValuesByKey() throws {
        let json = Data(#"{"longFields": "cut"}"#.utf8)
        #expect(throws: MappingSettingsError.self) { try JSONDecoder().decode(OrderMappingSettings.self, from: json) }
        // Reconciliation is to the penny: an old tolerance is refused by name, not silently changed.
        let tolerance = Data(#"{"totalTolerance": "0.02"}"#.utf8)
        #expect(throws: MappingSettingsError.self) {
            try JSONDecoder().decode(OrderMappingSettings.self, from: tolerance)
        }
        let ok = try JSONDecoder().decode(
            OrderMappingSettings.self,
            from: Data(#"{"totalTolerance": "0", "taxCodes": {"restOfWorld": "T9", "IE:23": "T10"}}"#.utf8))
        #expect(ok.totalTolerance == 0)
        #expect(ok.taxCodes["IE:23"] == "T10")
        #expect(ok.taxCodes["restOfWorld"] == "T9")
        #expect(ok.taxCodes["uk"] == "T1")
    }
}

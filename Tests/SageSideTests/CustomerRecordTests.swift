import FerryTestSupport
import FerryXML
import Foundation
import GRDB
@testable import SageSimulator
import SageSide
import Testing

/// An EU business's order with its VAT number (zero-rated, to Germany).
func euBusinessOrder(_ id: Int, vatNumber: String = "DE123456789") -> MagentoOrder {
    var order = zeroRated(withCountry(baseOrder(id), "DE"))
    order.customerTaxvat = vatNumber
    return order
}

/// #12 item 4: the VAT number of an EU B2B order reaches its Sage account through a `Customer` record.
@Suite("Customer records carry the VAT number to the Sage account")
struct CustomerRecordTests {
    /// Maps `orders` into a Sage order file and returns it.
    func mapFile(_ orders: [MagentoOrder], dir: URL, name: String = "batch-1.xml") throws -> URL {
        let input = dir.appendingPathComponent("magento-\(name)")
        try writeMagentoOrders(orders, to: input)
        let out = dir.appendingPathComponent("outbox/sage-orders/\(name)")
        try FileManager.default.createDirectory(
            at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        let summary = try OrderFileMapper(settings: OrderMappingSettings(), logger: quietLogger).map(
            input: input, output: { out }, fail: nil, sent: nil, lookup: nil)
        #expect(summary.sent == orders.count)
        return out
    }

    @Test func aVatNumberBringsACustomerRecordBeforeTheOrders() async throws {
        try await withTemporaryDirectory { dir in
            let file = try mapFile([euBusinessOrder(1), baseOrder(2)], dir: dir)
            let text = try String(contentsOf: file, encoding: .utf8)
            let customersAt = try #require(text.range(of: "<Customers>")).lowerBound
            #expect(customersAt < (try #require(text.range(of: "<SalesOrders>")).lowerBound))
            let customers = try records(file, ["Company", "Customers", "Customer"]).map(SageCustomer.init(record:))
            #expect(customers.count == 1)
            let customer = try #require(customers.first)
            #expect(customer.vatNumber == "DE123456789")
            #expect(customer.id == "42")
            #expect(customer.companyName == "Zynk Ltd")
            #expect(customer.currency == "GBP")
            #expect(customer.invoiceAddress?.country == "DE")
            #expect(customer.invoiceAddress?.email == "joe@example.com")
            #expect(customer.accountReference == nil)
            let orders = try records(file, ["Company", "SalesOrders", "SalesOrder"]).map(SalesOrder.init(record:))
            // The business's order leaves the shared web account; the order without a VAT number is unchanged.
            #expect(orders.map(\.accountReference) == [nil, "WEBSALES"])
            #expect(orders.first?.items.first?.taxCode == 4)
        }
    }

    @Test func aFileWithoutVatNumbersHasNoCustomers() async throws {
        try await withTemporaryDirectory { dir in
            let file = try mapFile([baseOrder(1), withCountry(baseOrder(2), "FR")], dir: dir)
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!text.contains("<Customers>") && text.contains("<SalesOrders>"))
        }
    }

    @Test func aMappedAccountKeepsItsReferenceAndGetsTheNumber() throws {
        var settings = OrderMappingSettings()
        settings.customerAccounts = ["42": "HAR001"]
        var order = euBusinessOrder(1)
        order.customerTaxvat = nil
        order.billingAddress?.vatId = " DE999999999 "
        let mapped = try OrderMapper(settings: settings).map(order)
        #expect(mapped.vatNumber == "DE999999999")
        #expect(mapped.destination == .euVatRegistered)
        let outcome = PreValidator(settings: settings).validate(mapped)
        #expect(outcome.passed)
        let customer = try #require(SageCustomer(order: outcome.order, vatNumber: mapped.vatNumber))
        #expect(customer.accountReference == "HAR001")
        #expect(outcome.order.accountReference == "HAR001")
    }

    @Test func aVatNumberSageCannotHoldIsRefused() throws {
        let mapped = try OrderMapper(settings: OrderMappingSettings()).map(
            euBusinessOrder(1, vatNumber: "DE 1234 5678 9012 3456 7890"))
        let outcome = PreValidator(settings: OrderMappingSettings()).validate(mapped)
        #expect(outcome.violations.map(\.field) == ["Customer/VatNumber"])
    }

    /// The record's elements follow the schema's `Customer` sequence, and `Customers` comes before `SalesOrders`.
    @Test(.enabled(if: reference("derived/Connect XML Schema v1.1 (extracted).xsd") != nil))
    func theRecordFollowsTheZynkSchema() throws {
        let xsd = try String(
            contentsOf: try #require(reference("derived/Connect XML Schema v1.1 (extracted).xsd")), encoding: .utf8)
        func sequence(of type: String) throws -> [String] {
            let start = try #require(xsd.range(of: "<xs:complexType name=\"\(type)\">"))
            let end = try #require(xsd.range(of: "</xs:complexType>", range: start.upperBound..<xsd.endIndex))
            return xsd[start.upperBound..<end.lowerBound].components(separatedBy: "<xs:element name=\"").dropFirst()
                .map { String($0.prefix { $0 != "\"" }) }
        }
        let customer = SageCustomer(
            id: "42", companyName: "Zynk Ltd", accountReference: "HAR001", vatNumber: "DE123456789",
            invoiceAddress: SalesOrderContact(surname: "Harrison"), deliveryAddress: SalesOrderContact(surname: "Harrison"),
            currency: "EUR")
        let names = customer.element.children.map(\.name)
        let schema = try sequence(of: "Customer")
        let positions = names.compactMap { schema.firstIndex(of: $0) }
        #expect(positions.count == names.count, "elements not in the schema: \(names)")
        #expect(positions == positions.sorted())
        let company = try sequence(of: "Company")
        #expect(try #require(company.firstIndex(of: "Customers")) < #require(company.firstIndex(of: "SalesOrders")))
    }

    @Test func theSimulatorStoresTheVatNumberOnTheAccount() async throws {
        try await withTemporaryDirectory { dir in
            var settings = SageSimulatorSettings(root: dir, databasePath: dir.appendingPathComponent("company.sqlite").path)
            settings.firstOrderNumber = 500
            let sim = try SageSimulator(settings: settings, logger: quietLogger)
            _ = try mapFile([euBusinessOrder(1), baseOrder(2)], dir: dir)
            let report = try await sim.runOnce()
            #expect(report == SimulatorReport(files: 1, imported: 2, failed: 0))
            let success = try records(
                dir.appendingPathComponent("inbox/sage-success/batch-1_success.xml"), ["Company", "SalesOrders", "SalesOrder"]
            ).map(SalesOrder.init(record:))
            // The business got an account of its own (Company "Zynk Ltd" -> ZYN001) holding its VAT number.
            #expect(success.map(\.accountReference) == ["ZYN001", "WEBSALES"])
            #expect(try sim.company.vatNumber(ofAccount: "ZYN001") == "DE123456789")
            #expect(try sim.company.vatNumber(ofAccount: "WEBSALES") == nil)

            // The customer's next order, with a new VAT number: the same account, updated.
            let next = try mapFile([euBusinessOrder(3, vatNumber: "DE111111111")], dir: dir, name: "batch-2.xml")
            _ = try await sim.runOnce()
            #expect(!FileManager.default.fileExists(atPath: next.path))
            let accounts = try await sim.company.queue.read { db in
                try String.fetchAll(db, sql: "SELECT account_ref FROM customers ORDER BY account_ref")
            }
            #expect(accounts == ["WEBSALES", "ZYN001"])
            #expect(try sim.company.vatNumber(ofAccount: "ZYN001") == "DE111111111")
        }
    }
}

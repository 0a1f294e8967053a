import FerryXML
import Foundation
import Logging
import SageSide

let quietLogger: Logger = {
    var logger = Logger(label: "ferry.tests.sage")
    logger.logLevel = .critical
    return logger
}()

/// The shared reference folder, read in place (never copied into the repository).
let referenceRoot: URL = {
    // Tests/SageSideTests/Support.swift -> package root -> ../shared/reference/zynk
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/reference/zynk").standardizedFileURL
}()

func reference(_ path: String) -> URL? {
    let url = referenceRoot.appendingPathComponent(path)
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}

func d(_ text: String) -> Decimal { Decimal(amountText: text)! }

/// A UK registered customer's order: 2 x DESK001 at 10.00 (20% VAT) plus 5.00 carriage (20%): grand total 30.00.
func baseOrder(_ id: Int = 1) -> MagentoOrder {
    let address = MagentoAddress(
        firstname: "Joe", lastname: "Harrison", company: "Zynk Ltd", street: ["6-8 Charlotte Square", "Floor 2"],
        city: "Newcastle", region: "Tyne and Wear", postcode: "NE1 4XF", countryId: "GB", telephone: "0845 123 2920")
    return MagentoOrder(
        entityId: "\(id)", incrementId: "\(100_000_000 + id)", createdAt: "2024-01-15 12:00:00", customerId: "42",
        customerEmail: "joe@example.com", customerFirstname: "Joe", customerLastname: "Harrison", isGuest: false,
        currency: "GBP", subtotal: 20, taxAmount: 5, shippingAmount: 5, shippingTaxAmount: 1, discountAmount: 0,
        grandTotal: 30, shippingMethod: "flatrate_flatrate", shippingDescription: "Flat Rate - Fixed",
        billingAddress: address, shippingAddress: address,
        items: [
            MagentoOrderItem(
                itemId: "1", sku: "DESK001", name: "Desk Standard", qtyOrdered: 2, price: 10, taxPercent: 20,
                taxAmount: 4, rowTotal: 20)
        ],
        payment: MagentoPayment(method: "checkmo", amountOrdered: 30))
}

/// Reads every record at `path` of a file.
func records(_ url: URL, _ path: [String]) throws -> [XMLNode] {
    var result: [XMLNode] = []
    try XMLRecordReader(url: url).forEachRecord(path: path) { result.append($0) }
    return result
}

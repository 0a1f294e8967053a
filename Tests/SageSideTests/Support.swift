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

/// Writes orders as a Magento "Download Orders" file (our own generator, shaped like the reference sample).
func writeMagentoOrders(_ orders: [MagentoOrder], to url: URL) throws {
    let writer = try XMLStreamWriter(url: url)
    try writer.startElement("ArrayOfOrderInfo")
    for order in orders { try writer.write(orderElement(order)) }
    try writer.endElement()
    try writer.finish()
}

func orderElement(_ o: MagentoOrder) -> OutputElement {
    func e(_ name: String, _ value: String?) -> OutputElement? { value.map { OutputElement(name, $0) } }
    func address(_ name: String, _ a: MagentoAddress?) -> OutputElement? {
        guard let a else { return nil }
        return OutputElement(
            name,
            children: [
                e("firstname", a.firstname), e("lastname", a.lastname), e("company", a.company),
                OutputElement("street", a.street.joined(separator: "\n")), e("city", a.city), e("region", a.region),
                e("postcode", a.postcode), e("country_id", a.countryId), e("telephone", a.telephone),
                e("fax", a.fax), e("vat_id", a.vatId),
            ].compactMap { $0 })
    }
    let items = o.items.map { i in
        OutputElement(
            "OrderProduct",
            children: [
                e("item_id", i.itemId), e("parent_item_id", i.parentItemId), e("sku", i.sku), e("name", i.name),
                e("product_type", i.productType), e("qty_ordered", i.qtyOrdered.amountText),
                e("price", i.price.amountText), e("tax_percent", i.taxPercent.amountText),
                e("tax_amount", i.taxAmount.amountText), e("discount_amount", i.discountAmount.amountText),
                e("row_total", i.rowTotal.amountText), e("price_incl_tax", i.priceInclTax?.amountText),
                i.discountTaxCompensationAmount == 0
                    ? nil : e("discount_tax_compensation_amount", i.discountTaxCompensationAmount.amountText),
            ].compactMap { $0 })
    }
    let children: [OutputElement?] = [
        e("increment_id", o.incrementId), e("created_at", o.createdAt), e("customer_id", o.customerId),
        e("customer_email", o.customerEmail), e("customer_firstname", o.customerFirstname),
        e("customer_lastname", o.customerLastname), e("customer_is_guest", o.isGuest ? "1" : "0"),
        e("customer_taxvat", o.customerTaxvat), e("order_currency_code", o.currency),
        e("subtotal", o.subtotal.amountText), e("tax_amount", o.taxAmount.amountText),
        e("shipping_amount", o.shippingAmount.amountText), e("shipping_tax_amount", o.shippingTaxAmount.amountText),
        e("discount_amount", o.discountAmount.amountText), e("grand_total", o.grandTotal.amountText),
        o.shippingDiscountAmount == 0 ? nil : e("shipping_discount_amount", o.shippingDiscountAmount.amountText),
        o.shippingDiscountTaxCompensationAmount == 0
            ? nil
            : e("shipping_discount_tax_compensation_amount", o.shippingDiscountTaxCompensationAmount.amountText),
        e("coupon_code", o.couponCode), e("customer_note", o.customerNote),
        e("shipping_method", o.shippingMethod), e("shipping_description", o.shippingDescription),
        e("order_id", o.entityId), address("shipping_address", o.shippingAddress),
        address("billing_address", o.billingAddress), OutputElement("items", children: items),
        o.payment.map {
            OutputElement(
                "payment", children: [OutputElement("method", $0.method), OutputElement("amount_ordered", $0.amountOrdered.amountText)])
        },
    ]
    return OutputElement("OrderInfo", children: children.compactMap { $0 })
}

/// Reads every record at `path` of a file.
func records(_ url: URL, _ path: [String]) throws -> [XMLNode] {
    var result: [XMLNode] = []
    try XMLRecordReader(url: url).forEachRecord(path: path) { result.append($0) }
    return result
}

public import FerryXML
public import Foundation
public import SageSide

/// Writes orders as a Magento "Download Orders" file (our own generator, shaped like the reference sample).
public func writeMagentoOrders(_ orders: [MagentoOrder], to url: URL) throws {
    let writer = try XMLStreamWriter(url: url)
    try writer.startElement("ArrayOfOrderInfo")
    for order in orders { try writer.write(orderElement(order)) }
    try writer.endElement()
    try writer.finish()
}

/// One order as the `OrderInfo` element of a Magento order file.
public func orderElement(_ o: MagentoOrder) -> OutputElement {
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

public import FerryXML
import Foundation

/// A record of an input file that cannot be read as what it should be: names the record, the field, the line and
/// what to do.
public struct RecordError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The record's key (increment id, SKU) or its element name.
    public var record: String
    /// The field at fault.
    public var field: String
    /// The line of the record.
    public var line: Int
    /// What is wrong.
    public var message: String

    public var description: String { "\(record) (line \(line)): \(field) \(message)" }
}

extension XMLNode {
    /// Trimmed text of the child `name`, or of `<Fields><Field Name="name" Value=".."/>` (Magento's extra
    /// fields); nil when absent or blank.
    func value(_ name: String) -> String? {
        // One pass finds both the child and `Fields`: an order asks for about thirty fields it lacks, and two
        // scans of its children for each was a third of reading an order in the burst (#18).
        var fieldsIndex: Int?
        var blank = false
        let count = name.utf8.count
        if name != "Fields" {
            for index in children.indices {
                let childName = children[index].name
                let childCount = childName.utf8.count
                if !blank, childCount == count, childName == name {
                    let text = children[index].text.trimmingWhitespaceAndNewlines()
                    if !text.isEmpty { return text }
                    blank = true
                    if fieldsIndex != nil { break }
                } else if fieldsIndex == nil, childCount == 6, childName == "Fields" {
                    fieldsIndex = index
                    if blank { break }
                }
            }
        } else if let text = child(name)?.text.trimmingWhitespaceAndNewlines(), !text.isEmpty {
            return text
        } else {
            fieldsIndex = children.firstIndex { $0.name == "Fields" }
        }
        let field = fieldsIndex.flatMap { children[$0].children(named: "Field").first { $0.attribute("Name") == name } }
        guard let text = field?.attribute("Value")?.trimmingWhitespaceAndNewlines(), !text.isEmpty
        else { return nil }
        return text
    }

    /// A Decimal field; `fallback` when absent; a ``RecordError`` when present but not an amount.
    func amount(_ name: String, record: String, fallback: Decimal? = 0) throws -> Decimal {
        try exactAmount(name, record: record, fallback: fallback.map(Amount.init)).decimal
    }

    func optionalAmount(_ name: String, record: String) throws -> Decimal? {
        try optionalExactAmount(name, record: record)?.decimal
    }

    /// An amount field (as ``Amount``); `fallback` when absent; a ``RecordError`` when present but not an amount.
    func exactAmount(_ name: String, record: String, fallback: Amount? = .zero) throws -> Amount {
        guard let text = value(name) else {
            if let fallback { return fallback }
            throw RecordError(record: record, field: name, line: line, message: "is missing; it is required")
        }
        guard let amount = Amount(amountText: text) else {
            throw RecordError(
                record: record, field: name, line: line, message: "is '\(text)', not an amount like 12.34")
        }
        return amount
    }

    func optionalExactAmount(_ name: String, record: String) throws -> Amount? {
        value(name) == nil ? nil : try exactAmount(name, record: record)
    }
}

extension MagentoOrder {
    /// Reads one `OrderInfo` record of a Magento order file.
    ///
    /// - Throws: ``RecordError`` naming the order and field when a required field is missing or an amount is
    ///   malformed.
    public init(record: XMLNode) throws {
        let key = record.value("increment_id") ?? record.value("order_id") ?? "OrderInfo"
        guard let entityId = record.value("order_id") ?? record.value("entity_id") else {
            throw RecordError(
                record: key, field: "order_id", line: record.line,
                message: "is missing; the entity id is the duplicate-prevention key")
        }
        guard let increment = record.value("increment_id") else {
            throw RecordError(record: key, field: "increment_id", line: record.line, message: "is missing")
        }
        guard let created = record.value("created_at") else {
            throw RecordError(record: key, field: "created_at", line: record.line, message: "is missing")
        }
        let customerId = record.value("customer_id")
        let guestFlag = record.value("customer_is_guest")
        var items: [MagentoOrderItem] = []
        for row in record.child("items")?.children(named: "OrderProduct") ?? [] {
            let sku = row.value("sku") ?? ""
            let qty = try row.exactAmount("qty_ordered", record: key)
            let price = try row.exactAmount("price", record: key)
            var item =
                MagentoOrderItem(
                    itemId: row.value("item_id") ?? "\(items.count + 1)", parentItemId: row.value("parent_item_id"),
                    sku: sku, name: row.value("name") ?? sku, productType: row.value("product_type") ?? "simple",
                    qtyOrdered: qty, price: price, taxPercent: try row.exactAmount("tax_percent", record: key),
                    taxAmount: try row.exactAmount("tax_amount", record: key),
                    discountAmount: try row.exactAmount("discount_amount", record: key),
                    rowTotal: try row.optionalExactAmount("row_total", record: key) ?? qty * price)
            item._discountTaxCompensationAmount = try row.exactAmount("discount_tax_compensation_amount", record: key)
            item._priceInclTax = try row.optionalExactAmount("price_incl_tax", record: key)
            items.append(item)
        }
        var payment: MagentoPayment?
        if let node = record.child("payment") {
            payment = MagentoPayment(
                method: node.value("method") ?? "", amountOrdered: try node.exactAmount("amount_ordered", record: key),
                poNumber: node.value("po_number"))
        }
        self.init(
            entityId: entityId, incrementId: increment, createdAt: created, customerId: customerId,
            customerEmail: record.value("customer_email"), customerFirstname: record.value("customer_firstname"),
            customerLastname: record.value("customer_lastname"),
            isGuest: guestFlag == "1" || guestFlag == "true" || (customerId ?? "").isEmpty,
            customerTaxvat: record.value("customer_taxvat"), currency: record.value("order_currency_code") ?? "GBP",
            subtotal: try record.exactAmount("subtotal", record: key), taxAmount: try record.exactAmount("tax_amount", record: key),
            shippingAmount: try record.exactAmount("shipping_amount", record: key),
            shippingTaxAmount: try record.exactAmount("shipping_tax_amount", record: key),
            discountAmount: try record.exactAmount("discount_amount", record: key),
            grandTotal: try record.exactAmount("grand_total", record: key, fallback: nil),
            shippingMethod: record.value("shipping_method"), shippingDescription: record.value("shipping_description"),
            billingAddress: record.child("billing_address").map(MagentoAddress.init(record:)),
            shippingAddress: record.child("shipping_address").map(MagentoAddress.init(record:)),
            items: items, payment: payment, line: record.line)
        _shippingDiscountAmount = try record.exactAmount("shipping_discount_amount", record: key)
        _shippingDiscountTaxCompensationAmount = try record.exactAmount(
            "shipping_discount_tax_compensation_amount", record: key)
        couponCode = record.value("coupon_code")
        customerNote = record.value("customer_note")
        giftMessage =
            record.child("extension_attributes")?.child("gift_message")?.value("message")
            ?? record.child("gift_message")?.value("message") ?? record.value("gift_message")
    }
}

extension MagentoAddress {
    /// Reads a `shipping_address` or `billing_address` element.
    public init(record: XMLNode) {
        let street = Self.lines(record.child("street")?.text ?? "")
        self.init(
            firstname: record.value("firstname"), lastname: record.value("lastname"), company: record.value("company"),
            street: street, city: record.value("city"), region: record.value("region"),
            postcode: record.value("postcode"), countryId: record.value("country_id"),
            telephone: record.value("telephone"), fax: record.value("fax"), vatId: record.value("vat_id"))
    }

    /// A street's lines: split at line breaks, trimmed, blank ones dropped. ASCII text (nearly every address) is
    /// split by its bytes, U+000A-U+000D being all its line breaks: splitting by Character was 2.7 % of an order's
    /// mapping. A CR LF gives an empty piece between its two bytes, which is dropped like any blank line.
    static func lines(_ text: String) -> [String] {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        return text.utf8.split(whereSeparator: { (0x0A...0x0D).contains($0) })
            .map { Substring($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

extension SalesOrder {
    /// Reads a Zynk `SalesOrder` record (an outgoing order, a success or a fail record).
    public init(record: XMLNode) throws {
        let key = record.value("CustomerOrderNumber") ?? record.value("Id") ?? "SalesOrder"
        func item(_ node: XMLNode) throws -> SalesOrderItem {
            SalesOrderItem(
                sku: node.value("Sku") ?? "S1", name: node.value("Name"), description: node.value("Description"),
                qtyOrdered: try node.exactAmount("QtyOrdered", record: key), unitPrice: try node.exactAmount("UnitPrice", record: key),
                unitDiscountAmount: try node.optionalExactAmount("UnitDiscountAmount", record: key),
                taxCode: node.value("TaxCode").flatMap { Int($0) }, nominalCode: node.value("NominalCode"),
                department: node.value("Department").flatMap { Int($0) },
                qtyAllocated: try node.optionalExactAmount("QtyAllocated", record: key))
        }
        let contact = SalesOrderContact.init(record:)
        self.init(
            id: record.value("Id") ?? "", customerId: record.value("CustomerId"),
            salesOrderNumber: record.value("SalesOrderNumber"), customerOrderNumber: record.value("CustomerOrderNumber"),
            notes1: record.value("Notes1"), notes2: record.value("Notes2"), notes3: record.value("Notes3"),
            currency: record.value("Currency"), accountReference: record.value("AccountReference"),
            salesOrderDate: record.value("SalesOrderDate"), invoiceAddress: contact(record.child("SalesOrderAddress")),
            deliveryAddress: contact(record.child("SalesOrderDeliveryAddress")),
            items: try (record.child("SalesOrderItems")?.children(named: "Item") ?? []).map(item),
            carriage: try record.child("Carriage").map(item), takenBy: record.value("TakenBy"),
            paymentRef: record.value("PaymentRef"), paymentAmount: try record.optionalExactAmount("PaymentAmount", record: key).map(\.decimal),
            bankAccount: record.value("BankAccount"), paymentType: record.value("PaymentType"))
        if let inclusive = record.value("VatInclusive")?.lowercased() { vatInclusive = inclusive == "true" || inclusive == "1" }
    }

    /// The `<Errors>` of a fail record, in order.
    public static func errors(of record: XMLNode) -> [ZynkError] {
        (record.child("Errors")?.children(named: "Error") ?? []).map {
            ZynkError(
                name: $0.value("Name") ?? "", description: $0.value("Description") ?? "", date: $0.value("Date") ?? "")
        }
    }
}

extension SalesOrderContact {
    /// Reads a `Contact` element (an order's or an account's address); nil when there is none.
    init?(record node: XMLNode?) {
        guard let node else { return nil }
        self.init()
        for (name, _) in fields { set(name, node.value(name)) }
    }
}

extension SageProduct {
    /// The fields of a `Product` record ``init(record:)`` reads: the rest of a stock export (attachments, images,
    /// locations, price breaks) need not be built to map stock.
    public static let fields: Set<String> = [
        "Sku", "Name", "Description", "SalePrice", "QtyInStock", "QtyAllocated", "QtyOnOrder", "TaxCode", "Publish",
        "ItemType", "DateModified", "InactiveDate",
    ]

    /// Reads a Zynk `Product` record of a stock export.
    public init(record: XMLNode) throws {
        let sku = record.value("Sku") ?? ""
        let key = sku.isEmpty ? "Product" : sku
        let publish = record.value("Publish")?.lowercased()
        self.init(
            sku: sku, name: record.value("Name"), description: record.value("Description"),
            salePrice: try record.optionalAmount("SalePrice", record: key),
            qtyInStock: try record.amount("QtyInStock", record: key),
            qtyAllocated: try record.amount("QtyAllocated", record: key),
            qtyOnOrder: try record.optionalAmount("QtyOnOrder", record: key),
            taxCode: record.value("TaxCode").flatMap { Int($0) }, publish: publish == "true" || publish == "1",
            itemType: record.value("ItemType"), dateModified: record.value("DateModified"),
            inactiveDate: record.value("InactiveDate"), line: record.line)
    }
}

extension XMLStreamWriter {
    /// Writes an ``OutputElement`` subtree.
    public func write(_ element: OutputElement) throws {
        if element.children.isEmpty {
            try self.element(element.name, element.text ?? "")
            return
        }
        try startElement(element.name)
        for child in element.children { try write(child) }
        try endElement()
    }
}

/// Streams what an ``ElementSink`` receives to an ``XMLStreamWriter``: the same calls `write(_: OutputElement)`
/// makes for the tree, without building it.
struct WriterSink: ElementSink {
    typealias Failure = any Error

    let writer: XMLStreamWriter
    /// A branch opened but not started in the file yet: without children it is written as `<name></name>`, as
    /// `write(_: OutputElement)` writes a childless element.
    private var pending: String?

    init(_ writer: XMLStreamWriter) {
        self.writer = writer
    }

    mutating func leaf(_ name: String, _ text: String) throws {
        try startPending()
        try writer.element(name, text)
    }

    mutating func open(_ name: String) throws {
        try startPending()
        pending = name
    }

    mutating func close() throws {
        if let name = pending {
            pending = nil
            try writer.element(name, "")
        } else {
            try writer.endElement()
        }
    }

    private mutating func startPending() throws {
        guard let name = pending else { return }
        pending = nil
        try writer.startElement(name)
    }
}

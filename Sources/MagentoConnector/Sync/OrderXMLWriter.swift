import FerryValues
public import Foundation
import FerryXML

/// Writes orders in the Magento order XML of the reference workflow: `ArrayOfOrderInfo/OrderInfo`, elements named
/// like Magento's fields, so existing XSLT mappings keep working. Amounts are written as the JSON text received.
///
/// The order is carried whole: the reference format's fields come first, under their names and nesting
/// (`order_id`, `items/OrderProduct`, `status_history/OrderStatus`, `shipping_address`, ...), then every other
/// field the JSON holds, under its JSON name, objects as nested elements and arrays as `<item>` entries
/// (Magento's own XML form), so a mapping can use any field Adobe's schema declares without a code change.
public enum OrderXMLWriter {
    static let orderFields = [
        "increment_id", "store_id", "created_at", "updated_at", "customer_id", "customer_email",
        "customer_firstname", "customer_lastname", "customer_is_guest", "customer_group_id", "status", "state",
        "shipping_description", "order_currency_code", "base_currency_code", "subtotal", "base_subtotal", "tax_amount",
        "base_tax_amount", "shipping_amount", "base_shipping_amount", "shipping_tax_amount", "shipping_incl_tax",
        "discount_amount", "base_discount_amount", "discount_description", "coupon_code", "grand_total",
        "base_grand_total", "total_qty_ordered", "weight",
        // The money the Sage mapping reconciles with, and what reaches Sage's notes and VAT codes (issue 12).
        "customer_taxvat", "customer_note", "subtotal_incl_tax", "base_subtotal_incl_tax", "base_shipping_tax_amount",
        "base_shipping_incl_tax", "shipping_discount_amount", "base_shipping_discount_amount",
        "discount_tax_compensation_amount", "base_discount_tax_compensation_amount",
        "shipping_discount_tax_compensation_amount", "base_shipping_discount_tax_compensation_amnt", "base_to_order_rate",
    ]
    static let addressFields = [
        "firstname", "lastname", "company", "street", "city", "region", "region_code", "postcode", "country_id",
        "telephone", "fax", "email", "address_type", "vat_id",
    ]
    static let itemFields = [
        "sku", "name", "product_id", "item_id", "product_type", "qty_ordered", "price", "base_price", "original_price",
        "price_incl_tax", "tax_percent", "tax_amount", "discount_amount", "row_total", "row_total_incl_tax",
        "parent_item_id", "discount_tax_compensation_amount", "base_discount_tax_compensation_amount",
        "base_row_total", "base_row_total_incl_tax", "base_price_incl_tax", "base_tax_amount", "base_discount_amount",
    ]

    static let paymentFields = ["method", "amount_ordered", "po_number"]
    static let historyFields = ["created_at", "comment", "is_customer_notified", "status"]
    /// Order fields written above under other names or shapes (`entity_id` is `order_id`).
    static let specialOrderFields: Set<String> = [
        "entity_id", "billing_address", "items", "payment", "status_histories",
    ]
    // The same lists as sets, made once rather than for every order, item and address (#18: hashing them was a
    // good part of a download's CPU).
    static let writtenOrderFields = Set(orderFields).union(specialOrderFields)
    static let writtenAddressFields = Set(addressFields)
    static let writtenItemFields = Set(itemFields)
    static let writtenPaymentFields = Set(paymentFields)
    static let writtenHistoryFields = Set(historyFields)

    /// Writes `orders` to `url` (created or replaced).
    /// - Throws: `XMLError` when the file cannot be written.
    public static func write(_ orders: [MagentoOrder], to url: URL) throws {
        let file = try File(url: url)
        try file.append(orders)
        try file.finish()
    }

    /// An order file written as the orders arrive (a download writes each page as it comes, so memory holds a
    /// page, not a file): ``append(_:)`` any number of times, then ``finish()``. The bytes are those of
    /// ``write(_:to:)`` for all the orders at once. One writer at a time: calls must not overlap.
    public final class File: @unchecked Sendable {
        private let writer: XMLStreamWriter

        /// Creates (or truncates) `url` and opens the `ArrayOfOrderInfo` document.
        public init(url: URL) throws {
            writer = try XMLStreamWriter(url: url)
            try writer.startElement("ArrayOfOrderInfo")
        }

        /// Writes `orders`' `OrderInfo` elements.
        public func append(_ orders: [MagentoOrder]) throws {
            for order in orders { try OrderXMLWriter.write(order, writer) }
        }

        /// Closes the document and the file.
        public func finish() throws {
            try writer.endElement()
            try writer.finish()
        }
    }

    /// One order's `OrderInfo` element.
    private static func write(_ order: MagentoOrder, _ writer: XMLStreamWriter) throws {
        let json = order.json
        try writer.startElement("OrderInfo")
        try writer.element("increment_id", json["increment_id"]?.text ?? "")
        try writer.element("order_id", json["entity_id"]?.text ?? "")
        for field in orderFields.dropFirst() {
            if let value = json[field]?.text { try writer.element(field, value) }
        }
        if let method = order.shippingMethod { try writer.element("shipping_method", method) }
        if let billing = json["billing_address"] { try writeAddress(billing, name: "billing_address", writer) }
        if let shipping = order.shippingAddress { try writeAddress(shipping, name: "shipping_address", writer) }
        try writer.startElement("items")
        for item in order.items { try writeRecord(item, name: "OrderProduct", fields: itemFields, written: writtenItemFields, writer) }
        try writer.endElement()
        if let payment = json["payment"] {
            try writeRecord(payment, name: "payment", fields: paymentFields, written: writtenPaymentFields, writer)
        }
        try writer.startElement("status_history")
        for history in order.statusHistories {
            try writeRecord(history, name: "OrderStatus", fields: historyFields, written: writtenHistoryFields, writer)
        }
        try writer.endElement()
        // The rest of the order: what the lists above leave out, extension attributes included.
        try writeRest(of: json, except: writtenOrderFields, writer)
        try writer.endElement()
    }

    /// An element of `object`'s reference-format `fields` in their order, then the rest of its members by name.
    private static func writeRecord(
        _ object: JSONValue, name: String, fields: [String], written: Set<String>, _ writer: XMLStreamWriter
    ) throws {
        try writer.startElement(name)
        for field in fields {
            if let value = object[field]?.text { try writer.element(field, value) }
        }
        try writeRest(of: object, except: written, writer)
        try writer.endElement()
    }

    private static func writeAddress(_ address: JSONValue, name: String, _ writer: XMLStreamWriter) throws {
        try writer.startElement(name)
        for field in addressFields {
            if field == "street" {
                // Street lines are a JSON array; the reference format joins them with newlines.
                let lines = address["street"]?.array?.compactMap(\.text) ?? address["street"]?.text.map { [$0] } ?? []
                try writer.element("street", lines.joined(separator: "\n"))
            } else if let value = address[field]?.text {
                try writer.element(field, value)
            }
        }
        try writeRest(of: address, except: writtenAddressFields, writer)
        try writer.endElement()
    }

    /// Writes every member of `object` not in `written`, sorted by name (the same order for the same order).
    private static func writeRest(of object: JSONValue, except written: Set<String>, _ writer: XMLStreamWriter) throws {
        guard case .object(let members) = object else { return }
        // Sorting only what is left, members and values together (#18: sorting every key, then looking each
        // value up again, was a tenth of a download's CPU).
        // (`Dictionary.filter` would make another dictionary: the lazy one gives an array to sort.)
        for member in members.lazy.filter({ !written.contains($0.key) }).sorted(by: { $0.key < $1.key }) {
            try writeValue(member.value, name: member.key, writer)
        }
    }

    /// Writes one JSON value as an element: text for a scalar, nested elements for an object, `<item>` per entry
    /// for an array; null is left out, as Magento leaves it out of its answers.
    private static func writeValue(_ value: JSONValue, name: String, _ writer: XMLStreamWriter) throws {
        // A key that is no XML name (a custom attribute code could be anything) goes into an attribute.
        let valid = isXMLName(name)
        switch value {
        case .null:
            return
        case .bool, .number, .string:
            if valid {
                try writer.element(name, value.text ?? "")
            } else {
                try writer.startElement("field")
                try writer.attribute("name", name)
                try writer.text(value.text ?? "")
                try writer.endElement()
            }
            return
        case .array, .object:
            break
        }
        try writer.startElement(valid ? name : "field")
        if !valid { try writer.attribute("name", name) }
        switch value {
        case .array(let entries):
            for entry in entries { try writeValue(entry, name: "item", writer) }
        case .object(let members):
            for member in members.sorted(by: { $0.key < $1.key }) { try writeValue(member.value, name: member.key, writer) }
        default:
            break
        }
        try writer.endElement()
    }

    /// True for names XML accepts as element names without a namespace: a letter or `_`, then letters, digits,
    /// `_`, `-`, `.`; never starting with `xml`.
    public static func isXMLName(_ name: String) -> Bool {
        // Nearly every key is ASCII: checked byte by byte, since the Unicode property look-up of each scalar took
        // a tenth of a download's CPU (#18). A name with any other byte takes the scalar path.
        var utf8 = name.utf8.makeIterator()
        var ascii = true
        var index = 0
        // The first three bytes, lowercased, for the `xml` prefix (no array: this runs for every key of every order).
        var prefix: UInt32 = 0
        while let byte = utf8.next() {
            guard byte < 0x80 else { ascii = false; break }
            let letter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let other = byte == UInt8(ascii: "_") || (index > 0 && (byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))))
            guard letter || other else { return false }
            if index < 3 { prefix = prefix << 8 | UInt32(byte | 0x20) }
            index += 1
        }
        let xml = UInt32(UInt8(ascii: "x")) << 16 | UInt32(UInt8(ascii: "m")) << 8 | UInt32(UInt8(ascii: "l"))
        if ascii { return index > 0 && !(index >= 3 && prefix == xml) }
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        if name.lowercased().hasPrefix("xml") { return false }
        return name.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
    }
}

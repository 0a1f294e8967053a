import FerryValues
public import Foundation
import FerryXML

/// Writes orders in the Magento order XML of the reference workflow: `ArrayOfOrderInfo/OrderInfo`, elements named
/// like Magento's fields, so existing XSLT mappings keep working. Amounts are written as the JSON text received.
///
/// The order is carried whole: the reference format's fields come first, under their names and nesting
/// (`order_id`, `items/OrderProduct`, `status_history/OrderStatus`, `shipping_address`, ...), then every other
/// field the JSON holds, under its JSON name, objects as nested elements and arrays as `<item>` entries
/// (Magento's own XML form), so a mapping can use any field Adobe's schema declares without a code change. The
/// other fields are sorted by their names' UTF-8 bytes, so the same order gives the same bytes.
///
/// Orders are read from a ``JSONTape`` (``OrderTapeWriter``): a download's page as received, or an order's JSON
/// written and read back.
public enum OrderXMLWriter {
    /// The order fields of the reference format, in its order (`increment_id` first).
    public static let orderFields = [
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
    /// An address's fields of the reference format, in its order.
    public static let addressFields = [
        "firstname", "lastname", "company", "street", "city", "region", "region_code", "postcode", "country_id",
        "telephone", "fax", "email", "address_type", "vat_id",
    ]
    /// An item's (`OrderProduct`) fields of the reference format, in its order.
    public static let itemFields = [
        "sku", "name", "product_id", "item_id", "product_type", "qty_ordered", "price", "base_price", "original_price",
        "price_incl_tax", "tax_percent", "tax_amount", "discount_amount", "row_total", "row_total_incl_tax",
        "parent_item_id", "discount_tax_compensation_amount", "base_discount_tax_compensation_amount",
        "base_row_total", "base_row_total_incl_tax", "base_price_incl_tax", "base_tax_amount", "base_discount_amount",
    ]

    /// The payment's fields of the reference format.
    public static let paymentFields = ["method", "amount_ordered", "po_number"]
    /// A status history's (`OrderStatus`) fields of the reference format.
    public static let historyFields = ["created_at", "comment", "is_customer_notified", "status"]
    /// The same lists for the look-up (``ReferenceFields``); the order's also holds the fields written above
    /// under other names or shapes (`entity_id` is `order_id`).
    static let order = ReferenceFields(
        orderFields, alsoRead: ["entity_id", "billing_address", "items", "payment", "status_histories"])
    static let address = ReferenceFields(addressFields)
    static let item = ReferenceFields(itemFields)
    static let payment = ReferenceFields(paymentFields)
    static let history = ReferenceFields(historyFields)

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
            for order in orders {
                let (tape, index) = try order.tape()
                try OrderTapeWriter.write(order: index, of: tape, to: writer)
            }
        }

        /// Closes the document and the file.
        public func finish() throws {
            try writer.endElement()
            try writer.finish()
        }
    }

    /// True for names XML accepts as element names without a namespace: a letter or `_`, then letters, digits,
    /// `_`, `-`, `.`; never starting with `xml`.
    public static func isXMLName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8(isXMLName)
    }

    /// ``isXMLName(_:)-(String)`` for a name's UTF-8 bytes.
    static func isXMLName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        // Nearly every key is ASCII: checked byte by byte, since the Unicode property look-up of each scalar took
        // a tenth of a download's CPU (#18). A name with any other byte takes the scalar path.
        var ascii = true
        var index = 0
        // The first three bytes, lowercased, for the `xml` prefix (no array: this runs for every key of every order).
        var prefix: UInt32 = 0
        for byte in name {
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
        let name = String(decoding: name, as: UTF8.self)
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        if name.lowercased().hasPrefix("xml") { return false }
        return name.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
    }
}

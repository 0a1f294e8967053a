import FerryValues
import FerryXML
import Foundation
import MagentoConnector

/// The order XML writer as it was before it read orders from a ``JSONTape`` (#18): from the `JSONValue` tree, with a
/// dictionary look-up per field and a sort of each object's members. Kept as the reference the tape writer must
/// equal byte for byte (`TapeOrderXMLTests`); it is the simplest statement of the format.
enum TreeOrderXMLReference {
    /// The field lists, read from the writer itself so the two cannot drift apart.
    typealias OrderXMLWriterFields = OrderXMLWriter

    static let written = (
        order: Set(OrderXMLWriter.orderFields).union(["entity_id", "billing_address", "items", "payment", "status_histories"]),
        address: Set(OrderXMLWriter.addressFields), item: Set(OrderXMLWriter.itemFields),
        payment: Set(OrderXMLWriter.paymentFields), history: Set(OrderXMLWriter.historyFields))

    static func write(_ orders: [MagentoOrder], to url: URL) throws {
        let writer = try XMLStreamWriter(url: url)
        try writer.startElement("ArrayOfOrderInfo")
        for order in orders { try write(order, writer) }
        try writer.endElement()
        try writer.finish()
    }

    /// One order's `OrderInfo` element.
    static func write(_ order: MagentoOrder, _ writer: XMLStreamWriter) throws {
        let json = order.json
        try writer.startElement("OrderInfo")
        try writer.element("increment_id", json["increment_id"]?.text ?? "")
        try writer.element("order_id", json["entity_id"]?.text ?? "")
        for field in OrderXMLWriterFields.orderFields.dropFirst() {
            if let value = json[field]?.text { try writer.element(field, value) }
        }
        if let method = order.shippingMethod { try writer.element("shipping_method", method) }
        if let billing = json["billing_address"] { try writeAddress(billing, name: "billing_address", writer) }
        if let shipping = order.shippingAddress { try writeAddress(shipping, name: "shipping_address", writer) }
        try writer.startElement("items")
        for item in order.items { try writeRecord(item, name: "OrderProduct", fields: OrderXMLWriterFields.itemFields, written: written.item, writer) }
        try writer.endElement()
        if let payment = json["payment"] {
            try writeRecord(payment, name: "payment", fields: OrderXMLWriterFields.paymentFields, written: written.payment, writer)
        }
        try writer.startElement("status_history")
        for history in order.statusHistories {
            try writeRecord(history, name: "OrderStatus", fields: OrderXMLWriterFields.historyFields, written: written.history, writer)
        }
        try writer.endElement()
        // The rest of the order: what the lists above leave out, extension attributes included.
        try writeRest(of: json, except: written.order, writer)
        try writer.endElement()
    }

    /// An element of `object`'s reference-format `fields` in their order, then the rest of its members by name.
    static func writeRecord(
        _ object: JSONValue, name: String, fields: [String], written: Set<String>, _ writer: XMLStreamWriter
    ) throws {
        try writer.startElement(name)
        for field in fields {
            if let value = object[field]?.text { try writer.element(field, value) }
        }
        try writeRest(of: object, except: written, writer)
        try writer.endElement()
    }

    static func writeAddress(_ address: JSONValue, name: String, _ writer: XMLStreamWriter) throws {
        try writer.startElement(name)
        for field in OrderXMLWriterFields.addressFields {
            if field == "street" {
                // Street lines are a JSON array; the reference format joins them with newlines.
                let lines = address["street"]?.array?.compactMap(\.text) ?? address["street"]?.text.map { [$0] } ?? []
                try writer.element("street", lines.joined(separator: "\n"))
            } else if let value = address[field]?.text {
                try writer.element(field, value)
            }
        }
        try writeRest(of: address, except: written.address, writer)
        try writer.endElement()
    }

    /// Writes every member of `object` not in `written`, sorted by name (the same order for the same order).
    static func writeRest(of object: JSONValue, except written: Set<String>, _ writer: XMLStreamWriter) throws {
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
    static func writeValue(_ value: JSONValue, name: String, _ writer: XMLStreamWriter) throws {
        // A key that is no XML name (a custom attribute code could be anything) goes into an attribute.
        let valid = OrderXMLWriter.isXMLName(name)
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

}

import FerryValues
import FerryXML
import Foundation

/// A record's fields of the reference format: the names in the order they are written, and the same names sorted
/// by their bytes, so a record's members (sorted the same way) are matched to them in one walk, without a hash.
struct ReferenceFields: Sendable {
    /// The fields written in this order, then those only read (`alsoRead`).
    let names: [String]
    /// How many of ``names`` are written in order.
    let writtenCount: Int
    /// Each name's bytes with its place in ``names``, sorted by the bytes.
    let sorted: [(name: [UInt8], slot: Int)]

    init(_ written: [String], alsoRead: [String] = []) {
        names = written + alsoRead
        writtenCount = written.count
        sorted = names.enumerated().map { (Array($0.element.utf8), $0.offset) }.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    /// The place of `name` in ``names``.
    func slot(_ name: String) -> Int { names.firstIndex(of: name)! }
}

/// Writes one order of a ``JSONTape`` as an `OrderInfo` element: the reference fields in their order, then every
/// other member sorted by its name's UTF-8 bytes (the same order for the same order). It reads the tape's bytes in
/// place; the only values it makes are small arrays of indices (#18).
///
/// The rules are those of ``OrderXMLWriter``: a field is written when it is a string, number or boolean (`1`/`0`);
/// null is left out, as Magento leaves it out of its answers; objects become nested elements, arrays `<item>`
/// entries; a key that is no XML name becomes `<field name="...">`; of a key given twice the last counts.
struct OrderTapeWriter {
    let tape: JSONTape
    /// The tape's bytes and values, for the byte comparisons and the text handed to the writer.
    let storage: UnsafeBufferPointer<UInt8>
    let values: UnsafeBufferPointer<JSONTape.Value>
    let writer: XMLStreamWriter

    static func write(order index: Int, of tape: JSONTape, to writer: XMLStreamWriter) throws {
        try tape.storage.withUnsafeBufferPointer { storage in
            try tape.values.withUnsafeBufferPointer { values in
                try OrderTapeWriter(tape: tape, storage: storage, values: values, writer: writer).writeOrder(index)
            }
        }
    }

    private static let order = OrderXMLWriter.order
    private static let entityID = order.slot("entity_id")
    private static let billingAddress = order.slot("billing_address")
    private static let items = order.slot("items")
    private static let payment = order.slot("payment")
    private static let statusHistories = order.slot("status_histories")
    private static let street = OrderXMLWriter.address.slot("street")

    private func writeOrder(_ index: Int) throws {
        let (slots, rest) = split(index, Self.order)
        try writer.startElement("OrderInfo")
        try writer.element("increment_id", slots[0].flatMap(text) ?? Self.empty)
        try writer.element("order_id", slots[Self.entityID].flatMap(text) ?? Self.empty)
        for slot in 1..<Self.order.writtenCount {
            if let value = slots[slot].flatMap(text) { try writer.element(Self.order.names[slot], value) }
        }
        // Magento sends the shipping method and address only under `extension_attributes.shipping_assignments`.
        let assignment = elements(of: member("shipping_assignments", of: member("extension_attributes", of: index))).first
        let shipping = member("shipping", of: assignment)
        if let method = member("method", of: shipping).flatMap(text) { try writer.element("shipping_method", method) }
        if let billing = slots[Self.billingAddress] { try writeAddress(billing, name: "billing_address") }
        if let address = member("address", of: shipping) { try writeAddress(address, name: "shipping_address") }
        try writer.startElement("items")
        for item in elements(of: slots[Self.items]) { try writeRecord(item, name: "OrderProduct", OrderXMLWriter.item) }
        try writer.endElement()
        if let payment = slots[Self.payment] { try writeRecord(payment, name: "payment", OrderXMLWriter.payment) }
        try writer.startElement("status_history")
        for history in elements(of: slots[Self.statusHistories]) {
            try writeRecord(history, name: "OrderStatus", OrderXMLWriter.history)
        }
        try writer.endElement()
        // The rest of the order: what the lists above leave out, extension attributes included.
        for member in rest { try writeValue(member.value, name: bytes(member.key)) }
        try writer.endElement()
    }

    /// An element of the record's reference `fields` in their order, then the rest of its members by name.
    private func writeRecord(_ index: Int, name: String, _ fields: ReferenceFields) throws {
        let (slots, rest) = split(index, fields)
        try writer.startElement(name)
        for slot in 0..<fields.writtenCount {
            if let value = slots[slot].flatMap(text) { try writer.element(fields.names[slot], value) }
        }
        for member in rest { try writeValue(member.value, name: bytes(member.key)) }
        try writer.endElement()
    }

    private func writeAddress(_ index: Int, name: String) throws {
        let fields = OrderXMLWriter.address
        let (slots, rest) = split(index, fields)
        try writer.startElement(name)
        for slot in 0..<fields.writtenCount {
            if slot == Self.street {
                // Street lines are a JSON array; the reference format joins them with newlines.
                try writeStreet(slots[slot])
            } else if let value = slots[slot].flatMap(text) {
                try writer.element(fields.names[slot], value)
            }
        }
        for member in rest { try writeValue(member.value, name: bytes(member.key)) }
        try writer.endElement()
    }

    /// `street`, always written: an array's lines (those with text) joined by newlines, or a single line.
    private func writeStreet(_ index: Int?) throws {
        guard let index, values[index].kind == .array || values[index].kind == .object else {
            try writer.element("street", index.flatMap(text) ?? Self.empty)
            return
        }
        var joined: [UInt8] = []
        var first = true
        for line in elements(of: index) {
            guard let text = text(line) else { continue }
            if !first { joined.append(UInt8(ascii: "\n")) }
            first = false
            joined.append(contentsOf: text)
        }
        try joined.withUnsafeBufferPointer { try writer.element("street", $0) }
    }

    /// One JSON value as an element: text for a scalar, nested elements for an object, `<item>` per entry for an
    /// array; null is left out.
    private func writeValue(_ index: Int, name: UnsafeBufferPointer<UInt8>) throws {
        let kind = values[index].kind
        guard kind != .null else { return }
        // A key that is no XML name (a custom attribute code could be anything) goes into an attribute.
        let valid = OrderXMLWriter.isXMLName(name)
        if let text = text(index) {
            if valid {
                try writer.element(name, text)
            } else {
                try writer.startElement("field")
                try writer.attribute("name", name)
                try writer.text(text)
                try writer.endElement()
            }
            return
        }
        if valid { try writer.startElement(name) } else { try writer.startElement("field"); try writer.attribute("name", name) }
        if kind == .array {
            for element in elements(of: index) { try writeValue(element, name: Self.item) }
        } else {
            for member in sortedMembers(of: index) { try writeValue(member.value, name: bytes(member.key)) }
        }
        try writer.endElement()
    }

    /// `item`'s bytes: a static string's, which live as long as the program.
    private static var item: UnsafeBufferPointer<UInt8> {
        let item: StaticString = "item"
        return UnsafeBufferPointer(start: item.utf8Start, count: item.utf8CodeUnitCount)
    }
    private static var empty: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }

    // MARK: Reading the tape

    private func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: storage[Int(values[index].start)..<Int(values[index].end)])
    }

    /// A string's, number's or boolean's text; nil for null and containers.
    private func text(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        switch values[index].kind {
        case .string, .number, .bool: bytes(index)
        case .null, .array, .object: nil
        }
    }

    /// The members of an object (none for anything else) sorted by key; of a key given twice, the last.
    private func sortedMembers(of index: Int) -> [(key: Int, value: Int)] {
        var members = Array(tape.members(of: index))
        // Equal keys stay in document order (the key's index breaks the tie), so the last one is kept below.
        members.sort { a, b in
            let order = compare(bytes(a.key), bytes(b.key))
            return order != 0 ? order < 0 : a.key < b.key
        }
        var kept: [(key: Int, value: Int)] = []
        kept.reserveCapacity(members.count)
        for member in members {
            if let last = kept.last, compare(bytes(last.key), bytes(member.key)) == 0 {
                kept[kept.count - 1] = member
            } else {
                kept.append(member)
            }
        }
        return kept
    }

    /// The object's values for `fields` (by slot; nil where missing) and its other members, sorted, in one walk of
    /// both sorted lists.
    private func split(_ index: Int, _ fields: ReferenceFields) -> (slots: [Int?], rest: [(key: Int, value: Int)]) {
        var slots = [Int?](repeating: nil, count: fields.names.count)
        var rest: [(key: Int, value: Int)] = []
        var field = 0
        for member in sortedMembers(of: index) {
            let key = bytes(member.key)
            var order = 1
            while field < fields.sorted.count {
                order = fields.sorted[field].name.withUnsafeBufferPointer { compare(key, $0) }
                if order <= 0 { break }
                field += 1
            }
            if order == 0 { slots[fields.sorted[field].slot] = member.value } else { rest.append(member) }
        }
        return (slots, rest)
    }

    /// The value of member `key` of the object at `index` (the last of a key given twice); nil for anything else.
    private func member(_ key: String, of index: Int?) -> Int? {
        index.flatMap { tape.member(key, of: $0) }
    }

    /// The elements of an array (an empty object `{}` reads as an empty array, as PHP may send one); none for
    /// anything else.
    private func elements(of index: Int?) -> [Int] {
        index.map { Array(tape.elements(of: $0)) } ?? []
    }

    /// Byte order: negative, zero or positive.
    private func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let order = memcmp(pa, pb, common)
            if order != 0 { return Int(order) }
        }
        return a.count - b.count
    }
}

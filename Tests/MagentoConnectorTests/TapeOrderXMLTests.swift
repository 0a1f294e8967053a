import FerryTestSupport
import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox
import Testing

/// The order XML written from a page's ``JSONTape`` (#18) is byte for byte the XML the tree writer wrote
/// (``TreeOrderXMLReference``): on the sandbox's orders (Magento's tax calculators, bundles, odd products) and on
/// random order-shaped JSON (nulls where objects go, items that are not objects, keys that are no XML names, keys
/// given twice, control characters, non-ASCII, text that is not UTF-8), written half the time as PHP's
/// `json_encode` writes it by default, as Magento sends it.
@Suite struct TapeOrderXMLTests {
    @Test func sandboxOrdersGiveTheSameBytes() throws {
        try withTemporaryDirectory { dir in
            let generator = SandboxCartGenerator(catalogue: SandboxData.catalogue(seed: 18), oddProducts: true)
            var random = SplitMix64(seed: 18)
            var items: [JSONValue] = []
            for (index, store) in MagentoTaxSettings.all.enumerated() {
                for n in 1...10 {
                    let id = index * 10_000 + n
                    let (cart, customer) = generator.cart(seed: 18 &+ UInt64(index), entityID: id)
                    items.append(.object(cart.magentoOrder(settings: store, customer: customer, entityID: id, createdAt: "2025-06-30 23:30:00")))
                }
            }
            try Self.expectSameBytes(page: Self.page(items, &random), in: dir, "sandbox orders")
        }
    }

    @Test func randomOrdersGiveTheSameBytes() throws {
        try withTemporaryDirectory { dir in
            var random = SplitMix64(seed: 1818)
            for round in 0..<400 {
                let items = (0..<random.next(in: 1...8)).map { _ in Self.order(&random) }
                let page = Self.page(items, &random)
                guard try Self.expectSameBytes(page: page, in: dir, "round \(round)") else { break }
            }
        }
    }

    /// Writes the page's orders with both writers and compares the files; false when they differ.
    @discardableResult
    static func expectSameBytes(page: [UInt8], in dir: URL, _ what: String) throws -> Bool {
        let tree = dir.appendingPathComponent("tree.xml")
        let tape = dir.appendingPathComponent("tape.xml")
        let json = try JSONValue.parse(Data(page))
        try TreeOrderXMLReference.write((json["items"]?.array ?? []).map { MagentoOrder(json: $0) }, to: tree)
        let parsed = try JSONTape.parse(page)
        let list = try #require(parsed.member("items", of: 0))
        try OrderXMLWriter.write(parsed.elements(of: list).map { MagentoOrder(tape: parsed, at: $0) }, to: tape)
        let expected = try Data(contentsOf: tree)
        let actual = try Data(contentsOf: tape)
        #expect(actual == expected, "\(what): the tape's XML differs from the tree's\n\(String(decoding: page, as: UTF8.self).prefix(3000))")
        // The same orders given as JSON values (a caller's own orders) go through the tape too.
        try OrderXMLWriter.write((json["items"]?.array ?? []).map { MagentoOrder(json: $0) }, to: tape)
        #expect(try Data(contentsOf: tape) == expected, "\(what): orders given as JSON values")
        return actual == expected
    }

    // MARK: Generators

    static let extraKeys = [
        "extension_attributes", "custom_attr", "1starts_with_digit", "xmlish", "a b", "é_clé", "gift-message", "a.b",
        "weird<&>", "", "über", "\u{3A9}",
    ]

    static func scalar(_ random: inout SplitMix64) -> JSONValue {
        switch random.next(in: 0...9) {
        case 0: .null
        case 1: .bool(random.next(in: 0...1) == 1)
        case 2: .number("\(random.next(in: 0...999)).\(random.next(in: 0...99))")
        case 3: .number("\(random.next(in: 0...9))e\(random.next(in: -2...2))")
        case 4: .string(["", "a & b < c > \"d\"", "line\nbreak\r\ttab", "\u{1}bell\u{7}", "Zoë 🍕 €", "\u{FFFE}x", "https://shop/x"][random.next(in: 0...6)])
        default: .string("v\(random.next(in: 0...9_999))")
        }
    }

    static func value(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        guard depth < 4 else { return scalar(&random) }
        switch random.next(in: 0...7) {
        case 0: return .array((0..<random.next(in: 0...3)).map { _ in value(&random, depth: depth + 1) })
        case 1: return object(&random, keys: extraKeys, depth: depth + 1)
        case 2: return .object([:])
        default: return scalar(&random)
        }
    }

    static func object(_ random: inout SplitMix64, keys: [String], depth: Int) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for key in keys where random.next(in: 0...2) > 0 { members[key] = value(&random, depth: depth) }
        for _ in 0..<random.next(in: 0...3) { members[extraKeys[random.next(in: 0...(extraKeys.count - 1))]] = value(&random, depth: depth) }
        return .object(members)
    }

    /// Something where a record goes: mostly an object of the record's fields, sometimes null, a scalar or `{}`.
    static func record(_ random: inout SplitMix64, _ keys: [String]) -> JSONValue {
        switch random.next(in: 0...9) {
        case 0: .null
        case 1: scalar(&random)
        case 2: .object([:])
        default: object(&random, keys: keys, depth: 2)
        }
    }

    static func order(_ random: inout SplitMix64) -> JSONValue {
        guard case .object(var order) = object(&random, keys: OrderXMLWriter.orderFields + ["entity_id"], depth: 1) else { return .null }
        if random.next(in: 0...5) > 0 {
            var address = record(&random, OrderXMLWriter.addressFields)
            if case .object(var members) = address, random.next(in: 0...1) == 0 {
                members["street"] = .array((0..<random.next(in: 0...3)).map { _ in scalar(&random) })
                address = .object(members)
            }
            order["billing_address"] = address
        }
        if random.next(in: 0...5) > 0 {
            order["items"] = .array((0..<random.next(in: 0...3)).map { _ in record(&random, OrderXMLWriter.itemFields) })
        }
        if random.next(in: 0...5) > 0 { order["payment"] = record(&random, OrderXMLWriter.paymentFields) }
        if random.next(in: 0...5) > 0 {
            order["status_histories"] = .array((0..<random.next(in: 0...2)).map { _ in record(&random, OrderXMLWriter.historyFields) })
        }
        if random.next(in: 0...3) > 0 {
            let shipping: JSONValue = ["address": record(&random, OrderXMLWriter.addressFields), "method": scalar(&random)]
            let assignments: JSONValue = random.next(in: 0...5) == 0 ? .object([:]) : [["shipping": shipping]]
            order["extension_attributes"] = ["shipping_assignments": assignments, "gift": scalar(&random)]
        }
        return .object(order)
    }

    /// A search page holding `items`, written with keys given twice now and then (an earlier, different value
    /// first), strings half the time as PHP's `json_encode` writes them, and now and then a byte that is no UTF-8.
    static func page(_ items: [JSONValue], _ random: inout SplitMix64) -> [UInt8] {
        var out: [UInt8] = Array(#"{"items": ["#.utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            write(item, &random, to: &out)
        }
        out += Array(#"], "total_count": \#(items.count)}"#.utf8)
        return out
    }

    static func write(_ value: JSONValue, _ random: inout SplitMix64, to out: inout [UInt8]) {
        switch value {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Magento's member order is not sorted: shuffle it.
            var shuffled = Array(members)
            for i in shuffled.indices.reversed() where i > 0 { shuffled.swapAt(i, random.next(in: 0...i)) }
            for (index, member) in shuffled.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if random.next(in: 0...15) == 0 {
                    string(member.key, &random, to: &out)
                    out += Array(":\"earlier\",".utf8)
                }
                string(member.key, &random, to: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, &random, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, &random, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let text):
            string(text, &random, to: &out)
        default:
            out += Array(value.serialized.utf8)
        }
    }

    static func string(_ text: String, _ random: inout SplitMix64, to out: inout [UInt8]) {
        switch random.next(in: 0...19) {
        case 0 where !text.isEmpty:
            // A byte that is no UTF-8 in the middle: both writers must repair it the same way.
            out += Array(JSONValue.string(text).serialized.utf8.dropLast()) + [0xFF, UInt8(ascii: "\"")]
        case 1...9:
            out += Array(phpJSONString(text).utf8)
        default:
            out += Array(JSONValue.string(text).serialized.utf8)
        }
    }
}

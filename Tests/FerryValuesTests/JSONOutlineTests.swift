import FerryTestSupport
import FerryValues
import Foundation
import Testing

/// The outline a download reads a page's ids from (#18) must say what the full parse says: on random documents
/// (nesting, escapes, keys given twice, items that are not objects, ids as numbers, strings, objects or null),
/// their strings written half the time as PHP's `json_encode` writes them by default, as Magento sends them.
@Suite struct JSONOutlineTests {
    static func scalar(_ random: inout SplitMix64) -> JSONValue {
        switch random.next(in: 0...6) {
        case 0: .null
        case 1: .bool(random.next(in: 0...1) == 1)
        case 2: .number(String(random.next(in: -5...100_000)))
        case 3: .number("\(random.next(in: 0...99)).\(random.next(in: 0...99))e\(random.next(in: -3...3))")
        case 4: .string(["", "x", "a\"b", "back\\slash", "{[\"]}", "é€🍕", "line\nbreak", "\u{1}", "42", "https://shop/x"][random.next(in: 0...9)])
        default: .number(String(random.next(in: 1...9_999)))
        }
    }

    static func value(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        guard depth < 4 else { return scalar(&random) }
        switch random.next(in: 0...5) {
        case 0: return .array((0..<random.next(in: 0...4)).map { _ in value(&random, depth: depth + 1) })
        case 1: return object(&random, depth: depth + 1)
        default: return scalar(&random)
        }
    }

    static func object(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for _ in 0..<random.next(in: 0...5) {
            members[["entity_id", "items", "total_count", "k", "[x]", "é", "a/b"][random.next(in: 0...6)]] = value(&random, depth: depth)
        }
        return .object(members)
    }

    /// Serialises with some members written twice (an earlier, different value first), which a parse resolves to
    /// the last.
    static func text(_ value: JSONValue, _ random: inout SplitMix64) -> String {
        switch value {
        case .object(let members):
            var parts: [String] = []
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                let name = string(key, &random)
                if random.next(in: 0...5) == 0 { parts.append("\(name): \(text(scalar(&random), &random))") }
                parts.append("\(name) : \(text(member, &random))")
            }
            return "{ " + parts.joined(separator: " ,\n") + "}"
        case .array(let elements):
            return "[" + elements.map { text($0, &random) }.joined(separator: ", ") + " ]"
        case .string(let string):
            return Self.string(string, &random)
        default:
            return value.serialized
        }
    }

    /// A string as our serialiser writes it, or as PHP's `json_encode` does by default (``phpJSONString(_:)``).
    static func string(_ string: String, _ random: inout SplitMix64) -> String {
        random.next(in: 0...1) == 0 ? phpJSONString(string) : JSONValue.string(string).serialized
    }

    @Test func saysWhatTheParseSays() throws {
        var random = SplitMix64(seed: 1818)
        for round in 0..<20_000 {
            var document = Self.object(&random, depth: 1)
            if case .object(var members) = document, random.next(in: 0...1) == 0 {
                members["items"] = .array((0..<random.next(in: 0...6)).map { _ in
                    random.next(in: 0...5) == 0 ? Self.scalar(&random) : Self.object(&random, depth: 2)
                })
                document = .object(members)
            }
            let text = Self.text(document, &random)
            let parsed = try JSONValue.parse(text)
            let outline = try JSONOutline.of(Array(text.utf8), array: "items", field: "entity_id")
            var expected: [JSONValue?] = []
            if case .array(let items)? = parsed["items"] {
                expected = items.map { item in
                    guard let id = item["entity_id"], case .object = item else { return nil }
                    switch id {
                    case .object, .array: return nil
                    default: return id
                    }
                }
            }
            #expect(outline.fields == expected, "document \(round): \(text)")
            guard case .object(let members) = parsed else { continue }
            let scalars = members.filter { if case .object = $0.value { false } else if case .array = $0.value { false } else { true } }
            #expect(outline.members == scalars, "document \(round): \(text)")
            if outline.fields != expected || outline.members != scalars { break }
        }
    }

    @Test func reportsBrokenTextWhereItReadsIt() {
        #expect(throws: JSONParseError.self) { try JSONOutline.of(Array(#"{"items": [{"entity_id": 1}"#.utf8), array: "items", field: "entity_id") }
        #expect(throws: JSONParseError.self) { try JSONOutline.of(Array(#"{"items": [{"other": {"a": "unclosed}]}"#.utf8), array: "items", field: "entity_id") }
        #expect(throws: JSONParseError.self) { try JSONOutline.of(Array("[1, 2]".utf8), array: "items", field: "entity_id") }
    }
}

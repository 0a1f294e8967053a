import Foundation

/// A JSON text read once into one flat list of its values, in document order, with no Swift value made for any of
/// them: what a large answer that is read once and written elsewhere needs (#18: a download turned a page of 100
/// orders into a tree of dictionaries and strings, only to write it out as XML and free it; building, looking up,
/// sorting and freeing that tree was most of its CPU).
///
/// Every value is a ``Value``: its kind, the bytes of its content in ``storage`` and where its subtree ends. An
/// object is followed by its members, each a key (a string value) then the member's value; an array by its
/// elements. Strings with escapes are decoded once, into ``storage`` after the text, so every string's content
/// is one run of bytes. The checks are the parser's own: a text ``JSONValue/parse(_:)-(Data)`` refuses is refused.
public struct JSONTape: Sendable {
    /// The text, then the decoded content of strings with escapes, then `1` and `0` (the text of `true` and `false`).
    public let storage: [UInt8]
    /// Every value, in document order.
    public let values: [Value]

    /// One value of the text.
    public struct Value: Sendable {
        public enum Kind: UInt8, Sendable { case null, bool, number, string, array, object }
        public var kind: Kind
        /// The content in ``JSONTape/storage``: a string's (unquoted, decoded), a number's literal, `1` or `0` for
        /// a boolean; empty for null and containers.
        public var start: UInt32
        public var end: UInt32
        /// The index of the value after this one's subtree (after its members or elements, if any).
        public var next: UInt32
    }

    /// Reads `bytes`, a JSON text (a UTF-8 byte order mark is skipped).
    /// - Throws: ``JSONParseError``, as ``JSONValue/parse(_:)-(Data)`` would.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONTape {
        var parser = JSONParser(bytes: bytes)
        guard bytes.count < Int(UInt32.max) / 2 else { throw parser.fail("a JSON text over 2 GB") }
        return try parser.tape()
    }

    /// The members of the object at `index` as (key, value) indices, in document order (a key given twice is
    /// there twice); none for anything but an object.
    public func members(of index: Int) -> Members { Members(values: values, index: index) }

    /// The elements of the array at `index`; an empty object `{}` has none either, as PHP cannot tell them apart.
    public func elements(of index: Int) -> Elements { Elements(values: values, index: index) }

    /// The value of member `key` of the object at `index` (the last, for a key given twice); nil for a missing
    /// key or anything but an object.
    public func member(_ key: String, of index: Int) -> Int? {
        var key = key
        return key.withUTF8 { key in
            storage.withUnsafeBufferPointer { storage in
                var found: Int?
                for member in members(of: index) {
                    let name = values[member.key]
                    // Lengths first: most keys differ there.
                    guard Int(name.end - name.start) == key.count else { continue }
                    if key.isEmpty || memcmp(storage.baseAddress! + Int(name.start), key.baseAddress!, key.count) == 0 {
                        found = member.value
                    }
                }
                return found
            }
        }
    }

    /// The bytes of the value at `index` in ``storage``: see ``Value/start``.
    public func range(of index: Int) -> Range<Int> { Int(values[index].start)..<Int(values[index].end) }

    /// The text of a string, number or boolean (`1`/`0`), as ``JSONValue/text``; nil for null and containers.
    public func text(at index: Int) -> String? {
        switch values[index].kind {
        case .string, .number, .bool: String(decoding: storage[range(of: index)], as: UTF8.self)
        case .null, .array, .object: nil
        }
    }

    /// The value at `index` made into a ``JSONValue`` (what a parse of the same text gives).
    public func value(at index: Int) -> JSONValue {
        let value = values[index]
        switch value.kind {
        case .null: return .null
        case .bool: return .bool(storage[Int(value.start)] == UInt8(ascii: "1"))
        case .number: return .number(String(decoding: storage[range(of: index)], as: UTF8.self))
        case .string: return .string(String(decoding: storage[range(of: index)], as: UTF8.self))
        case .array: return .array(elements(of: index).map(self.value(at:)))
        case .object:
            var object: [String: JSONValue] = [:]
            for member in members(of: index) {
                object[String(decoding: storage[range(of: member.key)], as: UTF8.self)] = self.value(at: member.value)
            }
            return .object(object)
        }
    }

    /// The members of an object: see ``JSONTape/members(of:)``.
    public struct Members: Sequence, IteratorProtocol {
        /// An object's values: key, value, key, value...
        var values: Elements

        init(values: [Value], index: Int) { self.values = Elements(values: values, index: index, kind: .object) }

        public mutating func next() -> (key: Int, value: Int)? {
            guard let key = values.next(), let value = values.next() else { return nil }
            return (key, value)
        }
    }

    /// The elements of an array: see ``JSONTape/elements(of:)``.
    public struct Elements: Sequence, IteratorProtocol {
        let values: [Value]
        var position: Int
        let end: Int

        init(values: [Value], index: Int, kind: Value.Kind = .array) {
            self.values = values
            position = index + 1
            end = values[index].kind == kind ? Int(values[index].next) : index + 1
        }

        /// The next value inside the container: each one's `next` is past its subtree (a key's is its value).
        public mutating func next() -> Int? {
            guard position < end else { return nil }
            defer { position = Int(values[position].next) }
            return position
        }
    }
}

extension JSONParser {
    mutating func tape() throws(JSONParseError) -> JSONTape {
        // Decoded strings go after the text; `1` and `0` first, for the booleans.
        var decoded: [UInt8] = [UInt8(ascii: "1"), UInt8(ascii: "0")]
        var values: [JSONTape.Value] = []
        values.reserveCapacity(bytes.count / 12)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        try appendValue(to: &values, decoded: &decoded)
        skipWhitespace()
        guard index == bytes.count else { throw fail("text after the end of the JSON value, found \(found)") }
        return JSONTape(storage: bytes + decoded, values: values)
    }

    private mutating func appendValue(
        to values: inout [JSONTape.Value], decoded: inout [UInt8]
    ) throws(JSONParseError) {
        guard index < bytes.count else { throw fail("a value expected, found the end of the file") }
        let at = values.count
        func append(_ kind: JSONTape.Value.Kind, _ range: Range<Int>) {
            values.append(.init(kind: kind, start: UInt32(range.lowerBound), end: UInt32(range.upperBound), next: UInt32(at + 1)))
        }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            guard depth < 512 else { throw fail("nested more than 512 deep") }
            defer { depth -= 1 }
            let isObject = bytes[index] == UInt8(ascii: "{")
            append(isObject ? .object : .array, index..<index)
            if isObject {
                try forEachMember(readingKey: { parser throws(JSONParseError) in
                    parser.appendString(try parser.scanString(decodingInto: &decoded), to: &values)
                }) { parser, _ throws(JSONParseError) in
                    try parser.appendValue(to: &values, decoded: &decoded)
                }
            } else {
                try forEachElement { parser throws(JSONParseError) in try parser.appendValue(to: &values, decoded: &decoded) }
            }
            values[at].next = UInt32(values.count)
        case UInt8(ascii: "\""):
            appendString(try scanString(decodingInto: &decoded), to: &values)
        case UInt8(ascii: "t"):
            try expect("true")
            append(.bool, bytes.count..<bytes.count + 1)
        case UInt8(ascii: "f"):
            try expect("false")
            append(.bool, bytes.count + 1..<bytes.count + 2)
        case UInt8(ascii: "n"):
            try expect("null")
            append(.null, index..<index)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            append(.number, try scanNumber())
        default:
            throw fail("a value expected, found \(found)")
        }
    }

    /// A string's content: in the text, or (decoded) after it.
    private func appendString(_ string: (escaped: Bool, range: Range<Int>), to values: inout [JSONTape.Value]) {
        let offset = string.escaped ? bytes.count : 0
        values.append(.init(
            kind: .string, start: UInt32(offset + string.range.lowerBound), end: UInt32(offset + string.range.upperBound),
            next: UInt32(values.count + 1)))
    }
}

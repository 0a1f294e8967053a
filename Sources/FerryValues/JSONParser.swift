import Foundation

/// A strict recursive-descent JSON parser over bytes (RFC 8259: no comments, no trailing commas), depth-limited.
///
/// Its errors say what was expected and what was found, at a line and column (``JSONParseError``): config.json's
/// syntax errors are reported from here.
struct JSONParser {
    let bytes: [UInt8]
    var index = 0
    var depth = 0
    /// The members of the objects being parsed, innermost last: an object's dictionary is made once its member
    /// count is known, so it is never grown and rehashed (#18: growing them was a twelfth of a download's CPU).
    private var members: [(key: String, value: JSONValue)] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        // A UTF-8 byte order mark, as Windows editors write into config.json, is not part of the JSON text.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("text after the end of the JSON value, found \(found)") }
        return value
    }

    func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(bytes: bytes, offset: offset ?? index, reason: reason)
    }

    /// The byte at the index as a reader sees it, for "expected ..., found ...".
    var found: String {
        guard index < bytes.count else { return "the end of the file" }
        return "'\(String(decoding: [bytes[index]], as: UTF8.self))'"
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw fail("a value expected, found the end of the file") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("a value expected, found \(found)")
        }
    }

    mutating func expect(_ word: String) throws(JSONParseError) {
        guard bytes[index...].starts(with: word.utf8) else { throw fail("a value expected, found \(found)") }
        index += word.utf8.count
    }

    /// After the comma of an object or array: its end there is a trailing comma, which RFC 8259 (and Magento's or
    /// PHP's parsers) refuse.
    private func refuseTrailingComma() throws(JSONParseError) {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "}") || bytes[index] == UInt8(ascii: "]") else { return }
        throw fail("a trailing comma before \(found): remove it")
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        depth += 1
        guard depth < 512 else { throw fail("nested more than 512 deep") }
        defer { depth -= 1 }
        let first = members.count
        defer { members.removeSubrange(first...) }
        try forEachMember { parser, key throws(JSONParseError) in
            let value = try parser.parseValue()
            parser.members.append((key, value))
        }
        // A key given twice keeps its last value.
        var object = [String: JSONValue](minimumCapacity: members.count - first)
        for member in members[first...] { object[member.key] = member.value }
        return .object(object)
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        depth += 1
        guard depth < 512 else { throw fail("nested more than 512 deep") }
        defer { depth -= 1 }
        var elements: [JSONValue] = []
        try forEachElement { parser throws(JSONParseError) in elements.append(try parser.parseValue()) }
        return .array(elements)
    }

    /// Walks the object whose `{` is at the index, handing each member's key to `body` with the index on its value,
    /// which `body` must read or skip (the parse reads every value; ``JSONOutline`` skips most).
    mutating func forEachMember(_ body: (inout JSONParser, String) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try forEachMember(readingKey: { parser throws(JSONParseError) in try parser.parseString() }, body)
    }

    /// ``forEachMember(_:)`` with each key read by `readKey` (whose index is on the key's `"`) rather than made
    /// into a `String`: a ``JSONTape`` keeps where the key is.
    mutating func forEachMember<Key>(
        readingKey readKey: (inout JSONParser) throws(JSONParseError) -> Key,
        _ body: (inout JSONParser, Key) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
        var first = true
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                if !first { try refuseTrailingComma() }
                throw fail("a key in double quotes expected, found \(found)")
            }
            first = false
            let key = try readKey(&self)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw fail("':' expected after the key, found \(found)")
            }
            index += 1
            skipWhitespace()
            try body(&self, key)
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
            throw fail("',' or '}' expected, found \(found)")
        }
    }

    /// Walks the array whose `[` is at the index, handing `body` each element's start, which it must read or skip.
    mutating func forEachElement(_ body: (inout JSONParser) throws(JSONParseError) -> Void) throws(JSONParseError) {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
        var first = true
        while true {
            skipWhitespace()
            if !first { try refuseTrailingComma() }
            first = false
            guard index < bytes.count else { throw fail("a value expected, found the end of the file") }
            try body(&self)
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
            throw fail("',' or ']' expected, found \(found)")
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> String {
        String(decoding: bytes[try scanNumber()], as: UTF8.self)
    }

    /// Moves past the number at the index (checked as RFC 8259 spells numbers) and gives its literal's bytes.
    mutating func scanNumber() throws(JSONParseError) -> Range<Int> {
        let start = index
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a number expected", at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a digit expected after '.', found \(found)") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a digit expected in the exponent, found \(found)") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return start..<index
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("a \\u escape with fewer than four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw fail("a \\u escape with fewer than four hex digits, found \(found)")
            }
            v = v * 16 + d
            index += 1
        }
        return v
    }

    mutating func parseString() throws(JSONParseError) -> String {
        var decoded: [UInt8] = []
        let content = try scanString(decodingInto: &decoded)
        return content.escaped ? String(decoding: decoded, as: UTF8.self) : String(decoding: bytes[content.range], as: UTF8.self)
    }

    /// Moves past the string whose `"` is at the index. Without escapes, its content is `range` of ``bytes``;
    /// with escapes (`escaped`), its content, decoded, is `range` of `decoded`, to which it was appended.
    mutating func scanString(decodingInto decoded: inout [UInt8]) throws(JSONParseError) -> (escaped: Bool, range: Range<Int>) {
        let opening = index
        index += 1
        // Most strings have no escape: take their bytes in one piece.
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
            bytes[index] >= 0x20
        {
            index += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return (false, start..<index - 1)
        }
        let decodedStart = decoded.count
        decoded.append(contentsOf: bytes[start..<index])
        while true {
            guard index < bytes.count else { throw fail("a string that is never closed", at: opening) }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") { index += 1; break }
            if b < 0x20 {
                throw fail("a control character (a line break?) inside a string: close the string or escape it")
            }
            if b != UInt8(ascii: "\\") {
                decoded.append(b)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw fail("a string that is never closed", at: opening) }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): decoded.append(0x22)
            case UInt8(ascii: "\\"): decoded.append(0x5C)
            case UInt8(ascii: "/"): decoded.append(0x2F)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.count, bytes[index] == 0x5C,
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try parseHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        code = 0xFFFD
                    }
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                UTF8.encode(scalar) { decoded.append($0) }
            default: throw fail("an unknown escape '\\\(String(decoding: [e], as: UTF8.self))' in a string", at: index - 2)
            }
        }
        return (true, decodedStart..<decoded.count)
    }
}

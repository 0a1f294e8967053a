/// A first look at a JSON answer without building it: the top-level object's scalar members, and one scalar member
/// of each element of one of its arrays (each order's `entity_id` in a page of orders).
///
/// A page of 100 orders takes about a quarter of the time to outline that it takes to parse, so a download can ask
/// for the next page (whose keyset bound is this page's last `entity_id`) before it parses this one (#18). The
/// outline skips what it does not keep; it is not a validation: the full parse after it is.
public struct JSONOutline: Sendable, Equatable {
    /// The top-level object's members that are scalars (numbers, strings, booleans, null).
    public var members: [String: JSONValue] = [:]
    /// The elements of the top-level array member asked for: each one's scalar member asked for, nil when the
    /// element is not an object or has no such scalar member. Empty when there is no such array.
    public var fields: [JSONValue?] = []

    /// Outlines `data`, a JSON object.
    /// - Parameters:
    ///   - array: the top-level member whose elements are looked into (`items`).
    ///   - field: the member kept of each element (`entity_id`); given twice, the last one counts, as in a parse.
    /// - Throws: ``JSONParseError`` when the text is not JSON where the outline reads it.
    public static func of(_ data: some Collection<UInt8>, array: String, field: String) throws(JSONParseError) -> JSONOutline {
        var parser = JSONParser(bytes: [UInt8](data))
        return try parser.outline(array: array, field: field)
    }
}

extension JSONParser {
    mutating func outline(array: String, field: String) throws(JSONParseError) -> JSONOutline {
        var outline = JSONOutline()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw fail("'{' expected, found \(found)") }
        try forEachMember { parser, key throws(JSONParseError) in
            if key == array, parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "[") {
                // A key given twice: the last one counts, as in a parse.
                outline.fields = []
                outline.members[key] = nil
                try parser.forEachElement { parser throws(JSONParseError) in
                    var kept: JSONValue?
                    if parser.bytes[parser.index] == UInt8(ascii: "{") {
                        try parser.forEachMember { parser, key throws(JSONParseError) in
                            if key == field {
                                kept = try parser.scalarOrSkip()
                            } else {
                                try parser.skipValue()
                            }
                        }
                    } else {
                        try parser.skipValue()
                    }
                    outline.fields.append(kept)
                }
            } else {
                outline.members[key] = try parser.scalarOrSkip()
                if key == array { outline.fields = [] }
            }
        }
        return outline
    }

    /// The scalar at the index, or nil after skipping the object or array there.
    private mutating func scalarOrSkip() throws(JSONParseError) -> JSONValue? {
        guard index < bytes.count else { throw fail("a value expected, found the end of the file") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipValue()
            return nil
        default:
            return try parseValue()
        }
    }

    /// Moves past the value at the index without building it: strings by their closing quote, containers by
    /// their nesting.
    private mutating func skipValue() throws(JSONParseError) {
        guard index < bytes.count else { throw fail("a value expected, found the end of the file") }
        let first = bytes[index]
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            _ = try parseValue()
            return
        }
        let start = index
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    index += 1
                    return
                }
            default:
                break
            }
            index += 1
        }
        throw fail("an object or array that is never closed", at: start)
    }
}

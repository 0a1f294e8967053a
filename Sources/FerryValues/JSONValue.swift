public import Foundation

/// A JSON document (config.json, a Magento or Sage 200 answer), with every number kept as the exact text received.
///
/// `JSONSerialization` and `JSONDecoder` go through `Double`, which turns `56.47` into `56.469999...`: amounts
/// must reach the Sage side exactly, so ferry parses JSON itself and converts numbers to `Decimal` from text.
/// config.json is read whole into one too, so every problem can be reported with its JSON path (Codable would stop
/// at the first) and a stage's settings can be handed to its task untouched.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number as its literal text, e.g. `"56.47"`, `"1e3"`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a JSON text.
    /// - Throws: ``JSONParseError`` with the byte offset of the problem.
    public static func parse(_ data: Data) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data))
        return try parser.parseDocument()
    }

    /// Parses a JSON text given as a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Data(text.utf8))
    }

    /// A number from a `Decimal`, written without a `Double` round trip.
    public static func decimal(_ value: Decimal) -> JSONValue { .number(value.description) }

    /// A number from an integer.
    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// The member `key` of an object, nil for anything else or a missing key.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, or a number's text (Magento sends some ids either way); nil for null and containers.
    public var text: String? {
        switch self {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b ? "1" : "0"
        default: nil
        }
    }

    /// The value as an exact decimal (numbers and numeric strings).
    public var decimal: Decimal? {
        guard let t = text, !t.isEmpty else { return nil }
        return Decimal(string: t, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// The value as an integer (numbers and numeric strings without a fraction); nil beyond `Int`'s range.
    public var int: Int? {
        guard let t = text else { return nil }
        if let i = Int(t) { return i }
        // From the decimal's own digits, never a conversion that could trap or wrap (1e30 is nil, not garbage).
        if let d = decimal, !d.isNaN, d == d.rounded0 { return Int(d.description) }
        return nil
    }

    /// A JSON number without a fraction that fits an `Int` (`30`, `30.0`, `3e1`); nil for anything else, numeric
    /// strings included: a config value must have the JSON type its key asks for.
    public var wholeNumber: Int? {
        guard case .number = self else { return nil }
        return int
    }

    /// True for a JSON number with a fractional part (`2.5`); false for whole numbers however large, and for
    /// anything that is not a number.
    public var isFraction: Bool {
        guard case .number = self, let d = decimal, !d.isNaN else { return false }
        return d != d.rounded0
    }

    /// Booleans, and 0/1 numbers as Magento often sends them.
    public var bool: Bool? {
        switch self {
        case .bool(let b): b
        case .number(let n): n != "0"
        case .string(let s): s == "1" || s == "true"
        default: nil
        }
    }

    /// The elements of an array; nil otherwise. An empty object `{}` reads as an empty array, as PHP may send it.
    public var array: [JSONValue]? {
        switch self {
        case .array(let a): a
        case .object(let o) where o.isEmpty: []
        default: nil
        }
    }

    /// The members of an object; an empty array `[]` reads as an empty object (PHP cannot tell them apart).
    public var object: [String: JSONValue]? {
        switch self {
        case .object(let o): o
        case .array(let a) where a.isEmpty: [:]
        default: nil
        }
    }

    /// True for `null`.
    public var isNull: Bool { self == .null }

    /// The JSON type's name, for messages ("should be a string, found an array").
    public var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "true or false"
        case .null: "null"
        }
    }

    /// The compact JSON text, object keys sorted (deterministic for logs and tests).
    public var serialized: String { String(decoding: utf8Bytes, as: UTF8.self) }

    /// The compact JSON text as UTF-8 bytes.
    public var data: Data { Data(utf8Bytes) }

    /// The compact JSON text as UTF-8 bytes, written into one byte buffer (the sandbox serialises pages of 100
    /// orders: appending to a `String` scalar by scalar was most of that cost).
    var utf8Bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, member) in o.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Escapes `"`, `\`, and control characters; every other byte (UTF-8 of any other scalar) is copied as is.
    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension Decimal {
    /// The value rounded towards zero to an integer.
    fileprivate var rounded0: Decimal {
        var source = self
        var result = Decimal()
        NSDecimalRound(&result, &source, 0, .down)
        return result
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}


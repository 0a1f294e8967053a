import FerryValues
import Foundation
import MagentoConnector

/// The OData subset Sage 200 accepts on collections, applied to the stand-in's records.
///
/// `$filter` (eq ne gt ge lt le, and/or, brackets, contains/startswith/endswith, quoted strings with `''`, dates
/// that must carry `Z` when they have a time), `$orderby`, `$top` (default 500, at most 5000), `$skip` (only with
/// `$orderby`, as Sage insists), `$select`. Anything else is a 400 naming the problem, as the real API would.
struct ODataQuery {
    /// The default page when `$top` is absent: the real API cuts off silently here.
    static let defaultTop = 500
    static let maxTop = 5000

    let filter: FilterExpression?
    let orderBy: [(field: String, descending: Bool)]
    let top: Int
    let skip: Int
    let select: [String]?
    let expand: Set<String>

    /// Parses the query parameters; throws a message for a 400.
    init(_ query: [(String, String)]) throws(ODataError) {
        var values: [String: String] = [:]
        for (key, value) in query { values[key] = value }
        if let text = values["$filter"] {
            var parser = try FilterParser(text)
            filter = try parser.parse()
        } else {
            filter = nil
        }
        orderBy = (values["$orderby"] ?? "").split(separator: ",").map { part in
            let words = part.split(separator: " ").map(String.init)
            return (words.first ?? "", words.count > 1 && words[1].lowercased() == "desc")
        }.filter { !$0.field.isEmpty }
        guard let top = Int(values["$top"] ?? "\(Self.defaultTop)"), top >= 0 else {
            throw ODataError("$top must be a whole number")
        }
        guard top <= Self.maxTop else { throw ODataError("$top may not exceed \(Self.maxTop)") }
        self.top = top
        guard let skip = Int(values["$skip"] ?? "0"), skip >= 0 else { throw ODataError("$skip must be a whole number") }
        if skip > 0 && orderBy.isEmpty {
            throw ODataError("The query specified in the URI is not valid. $skip requires $orderby")
        }
        self.skip = skip
        select = values["$select"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        expand = Set((values["$expand"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// Filters, sorts, pages and projects `records`.
    func apply(_ records: [[String: JSONValue]]) throws(ODataError) -> [JSONValue] {
        var kept: [[String: JSONValue]] = []
        for record in records where try filter?.matches(record) ?? true { kept.append(record) }
        if !orderBy.isEmpty {
            kept.sort { a, b in
                for key in orderBy {
                    let order = ODataValue.compare(a[key.field] ?? .null, b[key.field] ?? .null)
                    if order != .orderedSame { return key.descending ? order == .orderedDescending : order == .orderedAscending }
                }
                return false
            }
        }
        let page = kept.dropFirst(skip).prefix(top)
        return page.map { record in
            guard let select else { return .object(record) }
            return .object(record.filter { select.contains($0.key) })
        }
    }
}

/// A query the API refuses (HTTP 400).
struct ODataError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A parsed `$filter`.
indirect enum FilterExpression {
    case compare(field: String, op: String, literal: JSONValue)
    case function(name: String, field: String, text: String)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)

    func matches(_ record: [String: JSONValue]) throws(ODataError) -> Bool {
        switch self {
        case .and(let a, let b):
            guard try a.matches(record) else { return false }
            return try b.matches(record)
        case .or(let a, let b):
            if try a.matches(record) { return true }
            return try b.matches(record)
        case .function(let name, let field, let text):
            let value = (record[field]?.text ?? "").lowercased()
            let needle = text.lowercased()
            switch name {
            case "contains": return value.contains(needle)
            case "startswith": return value.hasPrefix(needle)
            default: return value.hasSuffix(needle)
            }
        case .compare(let field, let op, let literal):
            guard let value = record[field] else { throw ODataError("Could not find a property named '\(field)'") }
            let order = ODataValue.compare(value, literal)
            switch op {
            case "eq": return order == .orderedSame
            case "ne": return order != .orderedSame
            case "gt": return order == .orderedDescending
            case "ge": return order != .orderedAscending
            case "lt": return order == .orderedAscending
            default: return order != .orderedDescending
            }
        }
    }
}

/// Comparison of JSON values as OData does it: numbers as numbers, date-times as instants, else text.
enum ODataValue {
    static func compare(_ a: JSONValue, _ b: JSONValue) -> ComparisonResult {
        // JSONValue's accessors are lenient (any string has a `bool`): compare by the cases themselves.
        switch (a, b) {
        case (.number, .number):
            let (x, y) = (a.decimal ?? 0, b.decimal ?? 0)
            return x == y ? .orderedSame : (x < y ? .orderedAscending : .orderedDescending)
        case (.null, .null): return .orderedSame
        case (.null, _): return .orderedAscending
        case (_, .null): return .orderedDescending
        case (.bool(let x), .bool(let y)): return x == y ? .orderedSame : (!x ? .orderedAscending : .orderedDescending)
        default:
            let x = sortableDate(a.text ?? "") ?? (a.text ?? "")
            let y = sortableDate(b.text ?? "") ?? (b.text ?? "")
            return x == y ? .orderedSame : (x < y ? .orderedAscending : .orderedDescending)
        }
    }

    /// `2025-01-02T03:04:05.6Z` -> `2025-01-02T03:04:05.6000000`: fixed width, so text order is time order.
    static func sortableDate(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes.prefix(4).allSatisfy({ (48...57).contains($0) })
        else { return nil }
        if bytes.count == 10 { return text + "T00:00:00.0000000" }
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") else { return nil }
        var fraction = ""
        if bytes.count > 20, bytes[19] == UInt8(ascii: ".") {
            fraction = String(decoding: bytes[20...].prefix { (48...57).contains($0) }, as: UTF8.self)
        }
        return String(text.prefix(19)) + "." + (fraction + "0000000").prefix(7)
    }
}

/// A small recursive-descent parser for `$filter`.
private struct FilterParser {
    private var tokens: [String]
    private var position = 0

    init(_ text: String) throws(ODataError) { tokens = try Self.tokenize(text) }

    mutating func parse() throws(ODataError) -> FilterExpression {
        let expression = try parseOr()
        guard position == tokens.count else { throw ODataError("Syntax error at '\(tokens[position])' in $filter") }
        return expression
    }

    private mutating func next() throws(ODataError) -> String {
        guard position < tokens.count else { throw ODataError("$filter ends too early") }
        defer { position += 1 }
        return tokens[position]
    }

    private func peek() -> String? { position < tokens.count ? tokens[position] : nil }

    private mutating func parseOr() throws(ODataError) -> FilterExpression {
        var left = try parseAnd()
        while peek()?.lowercased() == "or" {
            position += 1
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(ODataError) -> FilterExpression {
        var left = try parseTerm()
        while peek()?.lowercased() == "and" {
            position += 1
            left = .and(left, try parseTerm())
        }
        return left
    }

    private mutating func parseTerm() throws(ODataError) -> FilterExpression {
        let first = try next()
        if first == "(" {
            let inner = try parseOr()
            guard try next() == ")" else { throw ODataError("')' expected in $filter") }
            return inner
        }
        if ["contains", "startswith", "endswith"].contains(first.lowercased()) {
            guard try next() == "(" else { throw ODataError("'(' expected after \(first)") }
            let field = try next()
            guard try next() == "," else { throw ODataError("',' expected in \(first)") }
            guard case .string(let text) = try literal(try next()) else { throw ODataError("\(first) takes a quoted text") }
            guard try next() == ")" else { throw ODataError("')' expected after \(first)") }
            return .function(name: first.lowercased(), field: field, text: text)
        }
        let op = try next().lowercased()
        guard ["eq", "ne", "gt", "ge", "lt", "le"].contains(op) else {
            throw ODataError("Unknown operator '\(op)' in $filter")
        }
        return .compare(field: first, op: op, literal: try literal(try next()))
    }

    private func literal(_ token: String) throws(ODataError) -> JSONValue {
        if token.hasPrefix("'") { return .string(String(token.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")) }
        if token == "null" { return .null }
        if token == "true" || token == "false" { return .bool(token == "true") }
        if ODataValue.sortableDate(token) != nil {
            // Sage refuses a time of day without its zone.
            if token.count > 10 && !token.hasSuffix("Z") {
                throw ODataError("The date-time literal '\(token)' must be in UTC with a trailing 'Z'")
            }
            return .string(token)
        }
        guard Decimal(string: token) != nil else { throw ODataError("'\(token)' is not a valid literal") }
        return .number(token)
    }

    private static func tokenize(_ text: String) throws(ODataError) -> [String] {
        var tokens: [String] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " { i += 1; continue }
            if c == "(" || c == ")" || c == "," { tokens.append(String(c)); i += 1; continue }
            if c == "'" {
                var j = i + 1
                var closed = false
                while j < chars.count {
                    if chars[j] == "'" {
                        if j + 1 < chars.count && chars[j + 1] == "'" { j += 2; continue }
                        closed = true
                        break
                    }
                    j += 1
                }
                guard closed else { throw ODataError("Unterminated string literal in $filter") }
                tokens.append(String(chars[i...j]))
                i = j + 1
                continue
            }
            var j = i
            while j < chars.count && !" (),".contains(chars[j]) { j += 1 }
            tokens.append(String(chars[i..<j]))
            i = j
        }
        return tokens
    }
}

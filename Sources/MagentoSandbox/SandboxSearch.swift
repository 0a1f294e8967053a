import FerryValues
import Foundation
import MagentoConnector

/// Parses and evaluates Magento searchCriteria over JSON objects, the way the SQL collection does.
struct SandboxSearch {
    struct Filter {
        var field = ""
        var value = ""
        var condition = "eq"

        /// The value typed once (see ``SandboxKey``).
        var key: SandboxKey { SandboxKey(value) }

        /// The `in`/`nin` comma list, each element trimmed as Magento's collection does.
        var list: [String] {
            value.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
    }

    /// A filter with its value (or `in` list) parsed once, evaluated per item without re-parsing it.
    struct CompiledFilter {
        let filter: Filter
        let key: SandboxKey
        let list: [SandboxKey]

        init(_ filter: Filter) {
            self.filter = filter
            key = filter.key
            list = filter.condition == "in" || filter.condition == "nin" ? filter.list.map(SandboxKey.init) : []
        }
    }

    var groups: [[Filter]] = []
    var sorts: [(field: String, ascending: Bool)] = []
    var pageSize: Int?
    var currentPage: Int?
    var present = false

    /// Reads `searchCriteria[...]` keys (snake_case or camelCase).
    init(query: [(String, String)]) {
        var groupMap: [Int: [Int: Filter]] = [:]
        var sortMap: [Int: (String, Bool)] = [:]
        for (key, value) in query {
            guard key == "searchCriteria" || key.hasPrefix("searchCriteria[") else { continue }
            present = true
            let parts = key.dropFirst("searchCriteria".count).split(separator: "]").map {
                $0.hasPrefix("[") ? String($0.dropFirst()) : String($0)
            }
            guard let head = parts.first else { continue }
            switch head {
            case "filter_groups", "filterGroups":
                guard parts.count == 5, let g = Int(parts[1]), parts[2] == "filters", let f = Int(parts[3]) else { continue }
                var filter = groupMap[g, default: [:]][f, default: Filter()]
                switch parts[4] {
                case "field": filter.field = value
                case "value": filter.value = value
                case "condition_type", "conditionType": filter.condition = value.isEmpty ? "eq" : value
                default: break
                }
                groupMap[g, default: [:]][f] = filter
            case "sortOrders", "sort_orders":
                guard parts.count == 3, let i = Int(parts[1]) else { continue }
                var sort = sortMap[i] ?? ("", true)
                if parts[2] == "field" { sort.0 = value }
                if parts[2] == "direction" { sort.1 = value.uppercased() == "ASC" }
                sortMap[i] = sort
            case "pageSize", "page_size": pageSize = Int(value)
            case "currentPage", "current_page": currentPage = Int(value)
            default: break
            }
        }
        groups = groupMap.keys.sorted().map { g in groupMap[g]!.keys.sorted().map { groupMap[g]![$0]! } }
        sorts = sortMap.keys.sorted().map { (sortMap[$0]!.0, sortMap[$0]!.1) }
    }

    /// The `search_criteria` echo of the response.
    func echo() -> JSONValue {
        var c: [String: JSONValue] = [
            "filter_groups": .array(
                groups.map { group in
                    ["filters": .array(group.map { ["field": .string($0.field), "value": .string($0.value), "condition_type": .string($0.condition)] })]
                })
        ]
        if !sorts.isEmpty {
            c["sort_orders"] = .array(sorts.map { ["field": .string($0.field), "direction": $0.ascending ? "ASC" : "DESC"] })
        }
        // 2.4.4+ leaves page_size out of the echo unless it was sent.
        if let pageSize { c["page_size"] = .int(pageSize) }
        if let currentPage { c["current_page"] = .int(currentPage) }
        return .object(c)
    }

    /// True when a value may compare as a number: it starts with a digit or `-` and has no space (the number
    /// itself is then whatever `Decimal(string:)` reads). The cheap checks come first: parsing every value as a
    /// Decimal dominated look-ups of 100 SKUs over a 100,000-product catalogue.
    static func looksNumeric(_ text: String) -> Bool {
        text.first.map { $0.isNumber || $0 == "-" } == true && !text.contains(" ")
    }

    /// SQL LIKE, case-insensitive like MySQL's default collation.
    static func like(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text.lowercased())
        let p = Array(pattern.lowercased())
        func match(_ i: Int, _ j: Int) -> Bool {
            if j == p.count { return i == t.count }
            if p[j] == "%" { return (i...t.count).contains { match($0, j + 1) } }
            if i < t.count, p[j] == "_" || p[j] == t[i] { return match(i + 1, j + 1) }
            return false
        }
        return match(0, 0)
    }

    static func matches(_ compiled: CompiledFilter, _ item: [String: JSONValue]) -> Bool {
        let filter = compiled.filter
        let raw = item[filter.field]
        let value = (raw == nil || raw == .null) ? nil : raw!.text ?? raw!.serialized
        switch filter.condition {
        case "null": return value == nil
        case "notnull": return value != nil
        default: break
        }
        // SQL: a comparison with NULL is never true.
        guard let value else { return false }
        switch filter.condition {
        case "like": return like(value, filter.value)
        case "nlike": return !like(value, filter.value)
        case "finset": return value.split(separator: ",").map(String.init).contains(filter.value)
        case "nfinset": return !value.split(separator: ",").map(String.init).contains(filter.value)
        default: break
        }
        let key = SandboxKey(value)
        switch filter.condition {
        case "eq": return SandboxKey.equal(key, compiled.key)
        case "neq": return !SandboxKey.equal(key, compiled.key)
        case "gt": return SandboxKey.compare(key, compiled.key) > 0
        case "gteq", "moreq", "from": return SandboxKey.compare(key, compiled.key) >= 0
        case "lt": return SandboxKey.compare(key, compiled.key) < 0
        case "lteq", "to": return SandboxKey.compare(key, compiled.key) <= 0
        case "in": return compiled.list.contains { SandboxKey.equal(key, $0) }
        case "nin": return !compiled.list.contains { SandboxKey.equal(key, $0) }
        default: return SandboxKey.compare(key, compiled.key) == 0
        }
    }

    /// The groups with their values parsed once.
    var compiledGroups: [[CompiledFilter]] { groups.map { $0.map(CompiledFilter.init) } }

    /// The sort keys in force: the request's, or the id ascending when it sends none.
    func effectiveSorts(idField: String) -> [(field: String, ascending: Bool)] {
        sorts.isEmpty ? [(idField, true)] : sorts
    }

    /// Filters (groups AND, filters OR) and sorts.
    ///
    /// Each item's sort values are typed once before sorting, not parsed again in every comparison (a stable sort
    /// of 10,000 orders per page, parsing both ids in each comparison, was most of a download's time).
    func apply(_ items: [[String: JSONValue]], idField: String) -> [[String: JSONValue]] {
        let compiled = compiledGroups
        let result = items.filter { item in compiled.allSatisfy { group in group.contains { Self.matches($0, item) } } }
        let order = effectiveSorts(idField: idField)
        let keys: [[SandboxKey]] = result.map { item in order.map { SandboxKey(item[$0.field]?.text ?? "") } }
        var positions = Array(result.indices)
        positions.sort { i, j in
            for (k, sort) in order.enumerated() {
                let c = SandboxKey.compare(keys[i][k], keys[j][k])
                if c != 0 { return sort.ascending ? c < 0 : c > 0 }
            }
            return false
        }
        return positions.map { result[$0] }
    }
}

/// A field value typed once. Two values compare as numbers when both read as one (``SandboxSearch/looksNumeric(_:)``
/// and `Decimal(string:)`), as text otherwise: `"9" < "10"`, `"077" == "77"`, `"BULK-10" < "BULK-9"`.
struct SandboxKey {
    let text: String
    let number: Decimal?

    init(_ text: String) {
        self.text = text
        number = SandboxSearch.looksNumeric(text) ? Decimal(string: text) : nil
    }

    /// Equality as MySQL's `_ci` collation sees it: numbers by value, text regardless of case (`sku eq
    /// MUG-BLUE-11OZ` finds `Mug-Blue-11oz`).
    static func equal(_ a: SandboxKey, _ b: SandboxKey) -> Bool {
        if let x = a.number, let y = b.number { return x == y }
        return a.text == b.text || a.text.lowercased() == b.text.lowercased()
    }

    /// -1, 0 or 1.
    static func compare(_ a: SandboxKey, _ b: SandboxKey) -> Int {
        if let x = a.number, let y = b.number { return x < y ? -1 : x > y ? 1 : 0 }
        return a.text < b.text ? -1 : a.text > b.text ? 1 : 0
    }
}

/// Applies `fields=items[a,b],total_count` partial responses (top-level names only).
func applyFields(_ spec: String?, to response: JSONValue) -> JSONValue {
    guard let spec, !spec.isEmpty, case .object(var top) = response else { return response }
    var wanted: [String: [String]?] = [:]
    var depth = 0
    var current = ""
    var tokens: [String] = []
    for ch in spec {
        if ch == "[" { depth += 1 } else if ch == "]" { depth -= 1 }
        if ch == ",", depth == 0 {
            tokens.append(current)
            current = ""
        } else {
            current.append(ch)
        }
    }
    tokens.append(current)
    for token in tokens {
        if let open = token.firstIndex(of: "["), token.hasSuffix("]") {
            let inner = token[token.index(after: open)..<token.index(before: token.endIndex)]
            var names: [String] = []
            var d = 0
            var name = ""
            for ch in inner {
                if ch == "[" { d += 1 } else if ch == "]" { d -= 1 }
                if ch == ",", d == 0 { names.append(name); name = "" } else { name.append(ch) }
            }
            names.append(name)
            wanted[String(token[..<open])] = names.map { $0.split(separator: "[").first.map(String.init) ?? $0 }
        } else {
            wanted[token] = .some(nil)
        }
    }
    for key in top.keys where wanted[key] == nil { top[key] = nil }
    if let names = wanted["items"] ?? nil, let items = top["items"]?.array {
        top["items"] = .array(
            items.map { item in
                guard case .object(let o) = item else { return item }
                return .object(o.filter { names.contains($0.key) })
            })
    }
    return .object(top)
}

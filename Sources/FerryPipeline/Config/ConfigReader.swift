public import FerryValues

/// Reads config.json's objects by hand, collecting every problem with its JSON path and the fix instead of stopping
/// at the first (as Codable would): the engine's keys (``ConfigLoader``) and the sections read outside the engine
/// (`metrics`, `alerts`).
///
/// Each reading method returns nil for a missing key and for a value of the wrong type; the latter is recorded in
/// ``problems``.
public struct ConfigReader: Sendable {
    /// Every problem found so far, in reading order.
    public var problems: [ConfigProblem] = []

    /// A reader with no problems yet.
    public init() {}

    /// Records a problem at `path` (`stages[2].watch`).
    public mutating func problem(_ path: String, _ message: String, warning: Bool = false) {
        problems.append(ConfigProblem(path, message, warning: warning))
    }

    /// `key` under the JSON path `base` (the top level is "").
    public func join(_ base: String, _ key: String) -> String { base.isEmpty ? key : "\(base).\(key)" }

    /// Records each key of `object` not in `allowed`, with the nearest allowed key when one is close (a typo).
    public mutating func rejectUnknown(_ object: [String: JSONValue], allowed: Set<String>, at path: String) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            let nearest = allowed.min { Self.distance($0, key) < Self.distance($1, key) }
            let suggestion = nearest.flatMap { Self.distance($0, key) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
            problem(
                join(path, key),
                "unknown key\(suggestion); allowed here: \(allowed.subtracting(["$comment"]).sorted().joined(separator: ", "))")
        }
    }

    /// The string at `key`; an empty one as it is.
    public mutating func string(_ object: [String: JSONValue], _ key: String, at path: String) -> String? {
        switch object[key] {
        case nil: return nil
        case .string(let value)?: return value
        case let other?: problem(join(path, key), "should be a string, found \(other.typeName)"); return nil
        }
    }

    /// The string at `key`, where an empty one is a problem (a host name, a file).
    public mutating func nonEmptyString(_ object: [String: JSONValue], _ key: String, at path: String) -> String? {
        guard let value = string(object, key, at: path) else { return nil }
        guard !value.isEmpty else {
            problem(join(path, key), "is empty: give a value or remove the key")
            return nil
        }
        return value
    }

    /// The whole number at `key`, within `range`.
    public mutating func int(
        _ object: [String: JSONValue], _ key: String, at path: String, range: ClosedRange<Int>
    ) -> Int? {
        switch object[key] {
        case nil: return nil
        case .number(let text)? where !JSONValue.number(text).isFraction:
            // Read from the text, never through Double: a number beyond Int's range (1e300) is a problem, not a trap.
            guard let whole = JSONValue.number(text).wholeNumber, range.contains(whole) else {
                problem(join(path, key), "\(text) is out of range: use \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return whole
        case let other?: problem(join(path, key), "should be a whole number, found \(other.typeName)"); return nil
        }
    }

    /// The boolean at `key`.
    public mutating func bool(_ object: [String: JSONValue], _ key: String, at path: String) -> Bool? {
        switch object[key] {
        case nil: return nil
        case .bool(let value)?: return value
        case let other?: problem(join(path, key), "should be true or false, found \(other.typeName)"); return nil
        }
    }

    /// The object at `key`.
    public mutating func object(
        _ object: [String: JSONValue], _ key: String, at path: String
    ) -> [String: JSONValue]? {
        section(object[key], at: join(path, key))
    }

    /// `value` as an object: a whole section (`config.sections["alerts"]`), nil when it is absent.
    public mutating func section(_ value: JSONValue?, at path: String) -> [String: JSONValue]? {
        switch value {
        case nil: return nil
        case .object(let object)?: return object
        case let other?: problem(path, "should be an object, found \(other.typeName)"); return nil
        }
    }

    /// Edit distance, case-insensitive: how far a key is from an allowed one.
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = old
            }
        }
        return row[b.count]
    }
}

/// Zynk's "Attachment Search Pattern" (`*.PDF`): a file search pattern as the Windows job applies it, with .NET
/// Framework's `Directory.GetFiles` rules, so a pattern that works in Zynk picks the same files here.
///
/// - `*` matches any run of characters (dots included), `?` one character other than a dot, or none at
///   the end of the name or before a dot (`file?.txt` matches `file.txt` and `file1.txt`, not `file12.txt`).
/// - Case does not matter (Windows file names): `*.PDF` matches `spec.pdf`.
/// - A pattern ending in `*.` and an extension of exactly three letters also matches longer extensions that start
///   with them (`*.xls` matches `book.xlsx`: Windows matches the 8.3 short name too); other extensions match
///   exactly (`*.ai` does not match `file.aif`).
/// - An empty pattern matches nothing (`Directory.GetFiles(path, "")`); `*` matches every file.
public struct AttachmentPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as configured.
    public let text: String
    private let pattern: [Character]

    /// A pattern as Zynk's setting holds it.
    public init(_ text: String) {
        self.text = text
        pattern = Array(text.lowercased())
    }

    public var description: String { text }

    /// True when the file name `name` (no folder) matches.
    public func matches(_ name: String) -> Bool {
        guard !pattern.isEmpty else { return false }
        let name = Array(name.lowercased())
        if Self.match(name[...], pattern[...]) { return true }
        // The short-name rule: `*.xls` also takes `book.xlsx`, whose 8.3 name ends in `.XLS`.
        guard pattern.contains("*"), let dot = pattern.lastIndex(of: "."), pattern.count - dot - 1 == 3,
            !pattern[(dot + 1)...].contains(where: { $0 == "*" || $0 == "?" }),
            let nameDot = name.lastIndex(of: "."), name.count - nameDot - 1 > 3
        else { return false }
        return Self.match(name[...(nameDot + 3)], pattern[...])
    }

    /// Backtracking match of `name` against `pattern` (both lower-cased).
    private static func match(_ name: ArraySlice<Character>, _ pattern: ArraySlice<Character>) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        let rest = pattern.dropFirst()
        switch first {
        case "*":
            // Collapse runs of stars, then try every split.
            if rest.first == "*" { return match(name, rest) }
            var tail = name
            while true {
                if match(tail, rest) { return true }
                guard !tail.isEmpty else { return false }
                tail = tail.dropFirst()
            }
        case "?":
            // Windows' DOS question mark: one character other than a dot, or none at the end of the name or
            // before a dot.
            if let next = name.first, next != "." { return match(name.dropFirst(), rest) }
            return match(name, rest)
        default:
            guard name.first == first else { return false }
            return match(name.dropFirst(), rest)
        }
    }
}

/// A JSON text could not be parsed: where, as an editor counts (line and column), and what was expected there.
///
/// Foundation's decoder says only "The given data was not valid JSON" on Linux; a config error must say where.
public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Byte offset of the problem in the text.
    public let offset: Int
    /// The problem's line, from 1.
    public let line: Int
    /// The problem's column on its line, from 1, in characters (not bytes: `"é"` is one).
    public let column: Int
    /// What was expected and what was found, e.g. `"',' or '}' expected, found '\"'"`.
    public let reason: String

    /// The error at byte `offset` of `bytes`; the line and column are counted only here, when there is an error.
    init(bytes: [UInt8], offset: Int, reason: String) {
        let end = min(offset, bytes.count)
        let before = bytes[..<end]
        // A byte order mark (parsed as nothing) is not a column an editor shows.
        let textStart = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? min(3, end) : 0
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? textStart
        self.offset = offset
        self.line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        self.column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
        self.reason = reason
    }

    /// `line 3, column 14: a value expected, found ','`: the place and the reason, for a message of the caller's.
    public var location: String { "line \(line), column \(column): \(reason)" }

    public var description: String { "invalid JSON at \(location)" }
}

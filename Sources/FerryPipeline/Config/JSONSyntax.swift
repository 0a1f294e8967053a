import Foundation

/// Finds where JSON text goes wrong, for a config error an editor can jump to: Foundation's decoder says only
/// "The given data was not valid JSON" on Linux.
///
/// A strict RFC 8259 scan (no comments, no trailing commas), iterative so deep nesting cannot overflow the stack.
enum JSONSyntax {
    /// The first syntax error: its 1-based line and column (in characters) and what was expected.
    struct Problem: Equatable {
        var line: Int
        var column: Int
        var message: String

        var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Nil when `data` is well-formed JSON.
    static func firstProblem(in data: Data) -> Problem? {
        let bytes = [UInt8](data)
        guard let (offset, message) = scan(bytes) else { return nil }
        let before = bytes[..<min(offset, bytes.count)]
        let line = before.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<min(offset, bytes.count)], as: UTF8.self).count + 1
        return Problem(line: line, column: column, message: message)
    }

    private enum Container { case object, array }

    /// The offset of the first error and what was expected there.
    private static func scan(_ b: [UInt8]) -> (Int, String)? {
        var i = 0
        var stack: [Container] = []
        func skipSpace() { while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 } }
        func found() -> String { i < b.count ? "'\(String(decoding: [b[i]], as: UTF8.self))'" : "the end of the file" }

        /// Scans one scalar or opens a container; nil on success.
        func value() -> (Int, String)? {
            skipSpace()
            guard i < b.count else { return (i, "a value expected, found the end of the file") }
            switch b[i] {
            case UInt8(ascii: "{"): stack.append(.object); i += 1
            case UInt8(ascii: "["): stack.append(.array); i += 1
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return (i, "a value expected, found \(found())")
            }
            return nil
        }
        func literal(_ word: String) -> (Int, String)? {
            let w = Array(word.utf8)
            guard b.count - i >= w.count, Array(b[i..<i + w.count]) == w else { return (i, "a value expected, found \(found())") }
            i += w.count
            return nil
        }
        func number() -> (Int, String)? {
            let start = i
            if b[i] == UInt8(ascii: "-") { i += 1 }
            let digits = { while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 } }
            let before = i
            digits()
            if i == before { return (start, "a number expected") }
            if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; digits() }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                digits()
            }
            return nil
        }
        func string() -> (Int, String)? {
            let start = i
            i += 1
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "\""): i += 1; return nil
                case UInt8(ascii: "\\"): i += 2
                case 0..<0x20: return (i, "a control character (a line break?) inside a string: close the string or escape it")
                default: i += 1
                }
            }
            return (start, "a string that is never closed")
        }
        /// After a value: a comma, or the container's end; nil when done.
        func afterValue() -> (Int, String)? {
            while let top = stack.last {
                skipSpace()
                let close = top == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if i < b.count, b[i] == close { stack.removeLast(); i += 1; continue }
                if i < b.count, b[i] == UInt8(ascii: ",") { i += 1; return member(after: true) }
                return (i, "',' or '\(String(decoding: [close], as: UTF8.self))' expected, found \(found())")
            }
            return nil
        }
        /// Starts the next member of the innermost container (after `{`, `[` or a comma).
        func member(after comma: Bool) -> (Int, String)? {
            skipSpace()
            guard let top = stack.last else { return nil }
            if comma, i < b.count, b[i] == UInt8(ascii: "}") || b[i] == UInt8(ascii: "]") {
                return (i, "a trailing comma before \(found()): remove it")
            }
            guard top == .object else { return nil }
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return (i, "a key in double quotes expected, found \(found())") }
            if let problem = string() { return problem }
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return (i, "':' expected after the key, found \(found())") }
            i += 1
            return nil
        }

        while true {
            let depth = stack.count
            if let problem = value() { return problem }
            if stack.count > depth {
                // A container opened: it may be empty, else its first member follows.
                skipSpace()
                if i < b.count, b[i] == (stack.last == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    stack.removeLast()
                    i += 1
                } else {
                    if let problem = member(after: false) { return problem }
                    continue
                }
            }
            if let problem = afterValue() { return problem }
            if stack.isEmpty {
                skipSpace()
                return i < b.count ? (i, "text after the end of the JSON value, found \(found())") : nil
            }
        }
    }
}

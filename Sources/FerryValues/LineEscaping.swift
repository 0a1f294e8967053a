/// How text is escaped to stay on one line of output that a reader or a parser splits by lines: the journal's JSON
/// strings, the log's logfmt values and file names shown on a terminal. One walk over the scalars; the three
/// differ only in what they escape and how they write a control character.
public struct LineEscaping: Sendable {
    /// How a control character without a short escape (`\n`, `\r`, `\t`) is written.
    public enum ControlForm: Sendable {
        /// `\u001b`: JSON's form, which logfmt readers also take.
        case unicode
        /// `\x1B`: the form file names use for the bytes that are not UTF-8 too.
        case hex
    }

    /// `"` and `\` escaped as `\"` and `\\` (text that goes between double quotes).
    public var escapesQuotes: Bool
    /// DEL (U+007F), which terminals act on, escaped like the C0 controls.
    public var escapesDelete: Bool
    /// U+2028 and U+2029, which some readers take as line breaks, escaped.
    public var escapesLineSeparators: Bool
    /// How a control character is written.
    public var controlForm: ControlForm

    /// A JSON string's content (RFC 8259: quote, backslash and the C0 controls).
    public static let json = LineEscaping(
        escapesQuotes: true, escapesDelete: false, escapesLineSeparators: false, controlForm: .unicode)
    /// A logfmt value's content between its quotes: JSON's escapes, and DEL and the line separators too.
    public static let logfmt = LineEscaping(
        escapesQuotes: true, escapesDelete: true, escapesLineSeparators: true, controlForm: .unicode)
    /// A file name shown as it is, without quotes: its control characters only, as `\n` or `\xHH`.
    public static let fileName = LineEscaping(
        escapesQuotes: false, escapesDelete: true, escapesLineSeparators: false, controlForm: .hex)

    /// Whether `scalar` is written as an escape.
    public func escapes(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20: true
        case 0x22, 0x5C: escapesQuotes
        case 0x7F: escapesDelete
        case 0x2028, 0x2029: escapesLineSeparators
        default: false
        }
    }

    /// `text` with every scalar ``escapes(_:)`` names escaped (no quotes added).
    public func escaped(_ text: String) -> String {
        // Names, paths and messages rarely need an escape: copy them whole.
        guard needsEscaping(text) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            guard escapes(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                switch controlForm {
                case .unicode: result += "\\u" + Self.hex(scalar.value, digits: 4, uppercase: false)
                case .hex: result += "\\x" + Self.hex(scalar.value, digits: 2, uppercase: true)
                }
            }
        }
        return result
    }

    /// Whether any scalar of `text` ``escapes(_:)``, decided on its UTF-8 bytes: decoding every scalar was most of
    /// a journal row's encoding in the burst profile (#18). A scalar that is escaped starts with a byte below 0x20,
    /// `"`, `\\`, DEL or, for U+2028 and U+2029, 0xE2; any such byte sends the text to the scalar walk, which decides.
    private func needsEscaping(_ text: String) -> Bool {
        let quotes = escapesQuotes, delete = escapesDelete, separators = escapesLineSeparators
        let found = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.contains { byte in
                byte < 0x20 || (quotes && (byte == 0x22 || byte == 0x5C)) || (delete && byte == 0x7F)
                    || (separators && byte == 0xE2)
            }
        }
        return found ?? text.unicodeScalars.contains(where: escapes)
    }

    /// `value` in hexadecimal, zero-padded to `digits`.
    public static func hex(_ value: UInt32, digits: Int, uppercase: Bool) -> String {
        String(zeroPadded: value, width: digits, radix: 16, uppercase: uppercase)
    }
}

import FerryValues

/// File names are bytes: Linux allows any but `/` and NUL. ferry's names are Swift strings, so a name that is not
/// UTF-8 (`bad-\xff\xfe.xml`) is given an escaped UTF-8 form, and every name is shown with its control characters
/// escaped (a newline in a name must not split a line of `ferry status`).
public enum FileNameBytes {
    /// `bytes` as UTF-8 text: valid sequences kept, each byte of an invalid one written `\xHH`. Deterministic, so
    /// the same bytes always give the same name.
    public static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length =
                switch lead {
                case 0x00...0x7F: 1
                case 0xC2...0xDF: 2
                case 0xE0...0xEF: 3
                case 0xF0...0xF4: 4
                default: 0
                }
            if length > 0, index + length <= bytes.count,
                let scalar = String(validating: bytes[index..<index + length], as: UTF8.self)
            {
                text += scalar
                index += length
            } else {
                text += "\\x" + hex(lead)
                index += 1
            }
        }
        return text
    }

    /// `name` for a terminal or a log line: control characters as `\n`, `\r`, `\t` or `\xHH`; the rest unchanged.
    public static func display(_ name: String) -> String { LineEscaping.fileName.escaped(name) }

    private static func hex(_ byte: UInt8) -> String { LineEscaping.hex(UInt32(byte), digits: 2, uppercase: true) }
}

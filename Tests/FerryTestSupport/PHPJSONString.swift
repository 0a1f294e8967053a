/// `text` as a JSON string the way PHP's `json_encode` writes it by default, as Magento sends its answers: `/` as
/// `\/`, and every character outside printable ASCII as `\uXXXX` (UTF-16, so astral ones as surrogate pairs).
/// Our own serialiser writes neither, so tests that read Magento's JSON write half their strings this way.
public func phpJSONString(_ text: String) -> String {
    var out = "\""
    for unit in text.utf16 {
        switch unit {
        case 0x22: out += "\\\""
        case 0x5C: out += "\\\\"
        case 0x2F: out += "\\/"
        case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
        default: out += "\\u" + String(repeating: "0", count: 4 - String(unit, radix: 16).count) + String(unit, radix: 16)
        }
    }
    return out + "\""
}

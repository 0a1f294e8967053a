import FerryValues
import Testing

/// The one escaping of text that must stay on one line, in its three forms: the journal's JSON strings, logfmt
/// values and file names on a terminal.
@Suite struct LineEscapingTests {
    /// Quote, backslash, the short escapes, another C0 control, DEL and a line separator, around ordinary text.
    let hostile = "a \"b\"\\c\nd\re\tf\u{1B}g\u{7F}h\u{2028}i ü"

    @Test func jsonEscapesQuotesBackslashesAndC0Controls() {
        #expect(LineEscaping.json.escaped(hostile) == "a \\\"b\\\"\\\\c\\nd\\re\\tf\\u001bg\u{7F}h\u{2028}i ü")
    }

    @Test func logfmtAlsoEscapesDeleteAndLineSeparators() {
        #expect(LineEscaping.logfmt.escaped(hostile) == "a \\\"b\\\"\\\\c\\nd\\re\\tf\\u001bg\\u007fh\\u2028i ü")
    }

    @Test func fileNamesKeepQuotesAndShowControlsAsHexBytes() {
        #expect(LineEscaping.fileName.escaped(hostile) == "a \"b\"\\c\\nd\\re\\tf\\x1Bg\\x7Fh\u{2028}i ü")
    }

    @Test(arguments: [LineEscaping.json, .logfmt, .fileName])
    func textWithoutEscapesIsReturnedWhole(escaping: LineEscaping) {
        #expect(escaping.escaped("orders-1042 ü €.xml") == "orders-1042 ü €.xml")
        #expect(escaping.escaped("") == "")
    }

    /// The byte scan that lets most text through unescaped agrees with the scalar walk on every text: generated
    /// text mixing ASCII, the escaped characters, other scalars that share a first byte with U+2028 (0xE2) and
    /// four-byte scalars.
    @Test(arguments: [LineEscaping.json, .logfmt, .fileName])
    func escapingAgreesWithTheScalarRulesOnGeneratedText(escaping: LineEscaping) {
        let pieces: [String] = [
            "a", "Z", "0", " ", "-", ".", "\"", "\\", "\n", "\r", "\t", "\u{1B}", "\u{7F}", "\u{2028}", "\u{2029}",
            "\u{2022}", "€", "ü", "日", "📦", "\u{85}",
        ]
        var random = SplitMix64(seed: 18)
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let needed = text.unicodeScalars.contains(where: escaping.escapes)
            let escaped = escaping.escaped(text)
            #expect((escaped != text) == needed, "\(text.debugDescription)")
        }
    }

    @Test func hexIsZeroPadded() {
        #expect(LineEscaping.hex(0x1B, digits: 4, uppercase: false) == "001b")
        #expect(LineEscaping.hex(0x7, digits: 2, uppercase: true) == "07")
        #expect(LineEscaping.hex(0x2028, digits: 2, uppercase: true) == "2028")
    }
}

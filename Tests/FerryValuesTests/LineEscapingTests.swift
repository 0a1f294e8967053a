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

    @Test func hexIsZeroPadded() {
        #expect(LineEscaping.hex(0x1B, digits: 4, uppercase: false) == "001b")
        #expect(LineEscaping.hex(0x7, digits: 2, uppercase: true) == "07")
        #expect(LineEscaping.hex(0x2028, digits: 2, uppercase: true) == "2028")
    }
}

import FerryValues
import MagentoConnector
import Testing

/// `OrderXMLWriter.isXMLName` checks ASCII names byte by byte (#18: the Unicode property look-up of every scalar
/// was a tenth of a download's CPU); it must answer as the scalar rule does for every name.
@Suite struct XMLNameTests {
    /// The rule as written before the byte path: a letter or `_`, then letters, digits, `_`, `-`, `.`; never `xml...`.
    static func scalarRule(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        if name.lowercased().hasPrefix("xml") { return false }
        return name.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
    }

    @Test func namesFromMagentosFieldsAndEdgeCases() {
        let cases = [
            "", "a", "_", "-", ".", "1", "a1", "a-b.c_d", "sku", "extension_attributes", "x", "xm", "xml", "XML", "xMl_a",
            "xmlns", "xm1", "_xml", "a b", "a:b", "a/b", "é", "éa", "aé", "ß", "Straße", "日本", "xmlé", "1é", "a\u{0}",
            "street", "amount_ordered", "base_shipping_discount_tax_compensation_amnt", "@attr", "a@b",
        ]
        for name in cases { #expect(OrderXMLWriter.isXMLName(name) == Self.scalarRule(name), "\(name.debugDescription)") }
    }

    /// 100,000 names drawn from an alphabet weighted towards the characters that decide the rule.
    @Test func randomNamesAnswerAsTheScalarRule() {
        let alphabet: [Character] = Array("xmlXML_-.09azAZ :/@\u{7F}\t") + ["é", "ß", "日", "\u{0301}", "٣"]
        var random = SplitMix64(seed: 18)
        for _ in 0..<100_000 {
            let length = Int(random.next() % 7)
            let name = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            #expect(OrderXMLWriter.isXMLName(name) == Self.scalarRule(name), "\(name.debugDescription)")
        }
    }
}

import FerryValues
import Foundation
@testable import SageSide
import Testing

/// The mapping's own trimming must trim exactly what Foundation's `trimmingCharacters(in:)` trims.
@Suite struct TrimmingTests {
    static let samples: [String] = [
        "", " ", "abc", "  abc  ", "\t\n abc \r\n", "a b", "\u{00A0}abc\u{00A0}", "\u{2003}x\u{3000}", "\u{2028}x\u{2029}",
        "\u{0085}x\u{0085}", "\u{000B}\u{000C}x", "  \u{301}x", "x\u{301} ", "é ", " 日本 ", "\u{200B}x\u{200B}",
        "\u{FEFF}x", "\n", "Floor 2\n", " \t ", "\u{180E}x\u{180E}", "\u{1680}x\u{202F}\u{205F}",
    ]

    @Test(arguments: samples)
    func sameAsFoundation(_ text: String) {
        #expect(text.trimmingWhitespaceAndNewlines() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces))
        let sub = Substring(text)
        #expect(sub.trimmingWhitespace() == sub.trimmingCharacters(in: .whitespaces))
    }

    /// A street split by its bytes has the lines a split by Character has: random ASCII and non-ASCII texts of
    /// letters, spaces, tabs and every line break (CR LF, VT, FF, NEL, U+2028).
    @Test func streetLinesByBytesAreTheLinesByCharacter() {
        let pieces = ["a", "Flat 2", " ", "\t", "\n", "\r", "\r\n", "\u{000B}", "\u{000C}", "  ", "x y", "\n\n", "é", "\u{0085}", "\u{2028}", "\u{301}"]
        var random = SplitMix64(seed: 166)
        for round in 0..<20_000 {
            // Half the texts stay ASCII, to exercise the byte path.
            let allowed = round % 2 == 0 ? pieces.filter { $0.utf8.allSatisfy { $0 < 0x80 } } : pieces
            let text = (0..<random.next(in: 0...12)).map { _ in allowed[random.next(in: 0...(allowed.count - 1))] }.joined()
            let byCharacter = text.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            #expect(MagentoAddress.lines(text) == byCharacter, "\(text.debugDescription)")
        }
    }
}

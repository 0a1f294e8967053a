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
}

import Foundation

/// Sage 50 stores text in Windows-1252: what it cannot hold is transliterated where a reader would accept the
/// result (ễ -> ê, Ł -> L), and reported otherwise (kanji).
enum Windows1252 {
    /// The printable characters of Windows-1252 beyond ASCII: Latin-1's A0-FF and the 80-9F specials.
    static let extra: Set<Unicode.Scalar> = {
        var set = Set((0xA0...0xFF).compactMap(Unicode.Scalar.init))
        for scalar in "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ".unicodeScalars { set.insert(scalar) }
        return set
    }()

    /// Letters without a decomposition, by the letter Sage can hold.
    static let letters: [Character: String] = [
        "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T", "ŧ": "t", "Ŀ": "L",
        "ŀ": "l", "ĸ": "k", "Ŋ": "N", "ŋ": "n", "ſ": "s", "‐": "-", "‑": "-", "′": "'", "″": "\"",
    ]

    static func holds(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { $0.isASCII || extra.contains($0) }
    }

    /// `text` as Sage can hold it, and the characters it cannot (empty when none).
    static func transliterate(_ text: String) -> (text: String, unencodable: String) {
        // Most text is ASCII: nothing to do.
        guard !text.utf8.allSatisfy({ $0 < 0x80 }) else { return (text, "") }
        var result = ""
        var unencodable = ""
        for character in text {
            if holds(character) {
                result.append(character)
            } else if let letter = letters[character] {
                result += letter
            } else if let near = nearest(character) {
                result += near
            } else {
                result.append("?")
                unencodable.append(character)
            }
        }
        return (result, unencodable)
    }

    /// The letter with as many of its accents as Sage can hold (ễ -> ê -> e), nil when not a Latin letter.
    static func nearest(_ character: Character) -> String? {
        let scalars = Array(String(character).decomposedStringWithCanonicalMapping.unicodeScalars)
        guard let base = scalars.first, base.isASCII else { return nil }
        for count in stride(from: scalars.count - 1, through: 0, by: -1) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars.prefix(count + 1))
            let candidate = String(view).precomposedStringWithCanonicalMapping
            if candidate.count == 1, let first = candidate.first, holds(first) { return candidate }
        }
        return nil
    }
}

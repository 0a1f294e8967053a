public import Foundation

/// Parsing amounts the same way whatever the process locale; made once (a Locale per amount cost 2 % of a mapping).
private let posixLocale = Locale(identifier: "en_US_POSIX")

/// Amounts travel as text in every file ferry reads or writes; these helpers keep them `Decimal` end to end so a
/// price of 14.12 never becomes 14.119999.
extension Decimal {
    /// Parses an amount written with a dot as decimal separator ("14.1200", "-3", "0.5"); nil for anything else.
    ///
    /// `Decimal(string:)` alone accepts trailing junk ("12abc" -> 12), which would hide a broken field.
    public init?(amountText: String) {
        let text = amountText.trimmingWhitespaceAndNewlines()
        guard !text.isEmpty,
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }),
            let value = Decimal(string: text, locale: posixLocale)
        else { return nil }
        self = value
    }

    /// Rounded to `scale` decimal places, halves away from zero (how Sage 50 rounds VAT and line totals).
    public func rounded(_ scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }

    /// The canonical text written to files: no exponent, no trailing zeros ("20", "14.12", "0.0025").
    public var amountText: String {
        // Decimal's description is locale-independent and never uses an exponent for our magnitudes.
        let text = NSDecimalNumber(decimal: self).stringValue
        return text == "-0" ? "0" : text
    }
}

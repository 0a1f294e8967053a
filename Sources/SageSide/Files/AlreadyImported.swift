/// A fail record that is not a refusal: Sage already has the order (PreventDuplicates), as after a Sage-side
/// crash, when the restarted job meets the orders it imported before it could write its success file.
public struct AlreadyImported: Sendable, Hashable {
    /// Sage's number for the order, when the reason gives it ("already imported as 90017").
    public var number: String?

    /// A finding, with the number when the reason gives one.
    public init(number: String?) { self.number = number }

    /// Reads the record's errors: any one saying the order is already in Sage makes it a success.
    ///
    /// Matched loosely (case, "been", imported/exists/processed, "as"/"number"/"no."/"#", a colon): the wording
    /// varies between Zynk's versions and connectors. A duplicate without a number is still not a refusal.
    public static func find(in errors: [ZynkError]) -> AlreadyImported? {
        // Built per call: Regex is not Sendable, and fail files are rare and small.
        let withNumber =
            #/(?i)already\s+(?:been\s+)?(?:imported|exists?|processed|created)\b[^0-9\n]{0,40}?(?:\b(?:as|number|no\.?|order)|#)\s*(?:no\.?|number)?\s*[:#]?\s*([0-9]{1,10})\b/#
        let withoutNumber = #/(?i)already\s+(?:been\s+)?(?:imported|exists?|processed|created)\b|\bPreventDuplicates\b/#
        var found: AlreadyImported?
        for error in errors {
            let text = error.description
            if let match = text.firstMatch(of: withNumber) {
                return AlreadyImported(number: String(match.output.1))
            }
            if text.contains(withoutNumber) { found = AlreadyImported(number: nil) }
        }
        return found
    }
}

import Foundation

/// Sage's three notes (`Notes1-3`, 60 characters each): what the customer wrote, the coupon and the gift
/// message, split across them in that order; when ferry shortened fields, its record ("ferry truncated: ...")
/// takes the last notes it needs and lists every field it cut, the customer's text among them when it no
/// longer fits.
enum SageNotes {
    /// Sage 50's limit on one note.
    static let width = 60

    /// The order's text for Sage's notes, nil when there is none.
    static func text(of order: MagentoOrder) -> String? {
        var parts: [String] = []
        if let note = order.customerNote.nonEmpty { parts.append("Note: \(note)") }
        if let coupon = order.couponCode.nonEmpty { parts.append("Coupon: \(coupon)") }
        if let gift = order.giftMessage.nonEmpty { parts.append("Gift message: \(gift)") }
        return parts.isEmpty ? nil : parts.joined(separator: " | ")
    }

    /// `text` in pieces of at most ``width`` characters.
    static func split(_ text: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(width)))
            rest = rest.dropFirst(width)
        }
        return pieces
    }

    /// The three notes: the customer's `text` (as the mapping put it in the notes, possibly longer than three
    /// notes hold) and the record of the fields in `truncated`. Returns the notes and whether the customer's
    /// text was cut (then the record names `Notes`).
    static func layout(text: String, truncated: [String]) -> (notes: [String?], cut: Bool) {
        let pieces = split(text)
        var fields = truncated.map(short)
        var record: [String] = []
        var cut = false
        for _ in 0..<2 {
            record = fields.isEmpty ? [] : Array(split("ferry truncated: " + fields.joined(separator: ", ")).prefix(3))
            cut = pieces.count > 3 - record.count
            if cut && !fields.contains("Notes") { fields.append("Notes") } else { break }
        }
        // The customer's text from Notes1 on, the record in the last notes.
        let kept = Array(pieces.prefix(3 - record.count))
        let notes: [String?] = (0..<3).map { slot in
            if slot < kept.count { return kept[slot] }
            let index = slot - (3 - record.count)
            return index >= 0 ? record[index] : nil
        }
        return (notes, cut)
    }

    /// A field's path, shortened so that the record of a few fields fits a note.
    static func short(_ path: String) -> String {
        path.replacingOccurrences(of: "SalesOrderDeliveryAddress/", with: "Delivery/")
            .replacingOccurrences(of: "SalesOrderAddress/", with: "Invoice/")
            .replacingOccurrences(of: "SalesOrderItems/", with: "")
    }
}

import Foundation
import SageSide
import Testing

/// The customer's note, the coupon code and the gift message reach Sage's Notes1-3, split at 60 characters; the
/// truncation record lists every field it cut, however many.
@Suite struct NotesTests {
    static func order(note: String? = nil, coupon: String? = nil, gift: String? = nil) -> MagentoOrder {
        var o = baseOrder()
        o.customerNote = note
        o.couponCode = coupon
        o.giftMessage = gift
        return o
    }

    @Test func noteCouponAndGiftMessageAreSplitAt60() throws {
        let note = "Please leave with the neighbour at no. 12 if nobody is in."
        let o = Self.order(note: note, coupon: "SAVE10", gift: "Happy birthday!")
        let settings = OrderMappingSettings()
        let outcome = PreValidator(settings: settings).validate(try OrderMapper(settings: settings).map(o))
        #expect(outcome.passed)
        let notes = [outcome.order.notes1, outcome.order.notes2, outcome.order.notes3].compactMap { $0 }
        #expect(notes.allSatisfy { $0.count <= 60 })
        #expect(notes.joined() == "Note: \(note) | Coupon: SAVE10 | Gift message: Happy birthday!")
    }

    @Test func theTruncationRecordListsEveryFieldItCut() throws {
        var o = Self.order(note: String(repeating: "Deliver to the back door. ", count: 10))
        let long = String(repeating: "x", count: 70)
        o.shippingAddress?.street = [long, long]
        o.shippingAddress?.city = long
        o.billingAddress?.company = long
        o.items[0].name = long
        var settings = OrderMappingSettings()
        settings.longFields = "truncate"
        let outcome = PreValidator(settings: settings).validate(try OrderMapper(settings: settings).map(o))
        #expect(outcome.passed)
        let notes = [outcome.order.notes1, outcome.order.notes2, outcome.order.notes3].compactMap { $0 }
        #expect(notes.allSatisfy { $0.count <= 60 })
        let record = notes.joined().components(separatedBy: "ferry truncated: ").last ?? ""
        for field in ["Invoice/Company", "Delivery/Address1", "Delivery/Address2", "Delivery/Town", "Item[1]/Name", "Notes"] {
            #expect(record.contains(field), "\(field) missing from '\(record)'")
        }
        #expect(outcome.truncations.contains { $0.hasPrefix("Notes (") })
    }
}

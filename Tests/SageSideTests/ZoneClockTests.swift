import FerryValues
import Foundation
@testable import SageSide
import Testing

/// ``ZoneClock`` gives an order's date without a Calendar: it must give Calendar's answer, or none.
@Suite("The order date without a Calendar")
struct ZoneClockTests {
    /// Every zone Foundation knows, at seeded random instants from 1970 to 2100 and at one second either side of
    /// each of the zone's transitions: the arithmetic's text is Calendar's (OrderMapper's path before it).
    @Test func everyZoneAgreesWithCalendar() throws {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = try #require(TimeZone(identifier: "UTC"))
        var random = SplitMix64(seed: 1970)
        var compared = 0
        var answered = 0
        for identifier in TimeZone.knownTimeZoneIdentifiers {
            guard let zone = TimeZone(identifier: identifier) else { continue }
            let clock = ZoneClock(zone)
            let local = OrderMapper.calendar(in: zone)
            var instants = (0..<60).map { _ in Int64.random(in: ZoneClock.lowerBound..<ZoneClock.upperBound, using: &random) }
            var date = Date(timeIntervalSince1970: 0)
            while let next = zone.nextDaylightSavingTimeTransition(after: date),
                next.timeIntervalSince1970 < TimeInterval(ZoneClock.upperBound)
            {
                let seconds = Int64(next.timeIntervalSince1970.rounded(.down))
                instants += [seconds - 1, seconds, seconds + 1]
                date = next
            }
            for seconds in instants where seconds >= ZoneClock.lowerBound {
                let instant = Date(timeIntervalSince1970: TimeInterval(seconds))
                let magento = OrderMapper.sageDateText(instant, calendar: utc).replacingOccurrences(of: "T", with: " ")
                compared += 1
                guard let text = clock.sageText(fromUTC: magento) else { continue }
                answered += 1
                #expect(text == OrderMapper.sageDateText(instant, calendar: local), "\(identifier) at \(magento) UTC")
            }
        }
        // Nil would be right but slow: every instant of the range is answered.
        #expect(answered == compared)
        #expect(compared > 100_000)
    }

    /// What is not exactly `YYYY-MM-DD HH:MM:SS` with valid fields gets no answer: the Calendar path decides it.
    @Test func onlyExactValidTextsAreAnswered() throws {
        let clock = ZoneClock(try #require(TimeZone(identifier: "Europe/London")))
        #expect(clock.sageText(fromUTC: "2024-07-01 12:30:05") == "2024-07-01T13:30:05")
        #expect(clock.sageText(fromUTC: "2024-01-01T12:30:05") == "2024-01-01T12:30:05")
        // Calendar's path reads the first 19 characters and ignores the rest.
        #expect(clock.sageText(fromUTC: "2024-07-01 12:30:05.123456") == "2024-07-01T13:30:05")
        #expect(clock.sageText(fromUTC: "2024-02-29 23:59:59") == "2024-02-29T23:59:59")
        #expect(clock.sageText(fromUTC: "2024-06-30 23:59:59") == "2024-07-01T00:59:59")
        #expect(clock.sageText(fromUTC: "2099-12-31 23:59:59") == "2099-12-31T23:59:59")
        for text in [
            "2023-02-29 10:00:00", "2024-13-01 10:00:00", "2024-00-10 10:00:00", "2024-04-31 10:00:00",
            "2024-01-01 24:00:00", "2024-01-01 10:60:00", "2024-01-01 10:00:60", "2024-1-01 10:00:00",
            "2024-01-01 10:00", "2024/01/01 10:00:00", "1969-12-31 23:59:59", "2100-01-01 00:00:00",
            "2024-01-01 10:00:\u{301}0", "2024-01-01 10:00:00\u{301}", "+024-01-01 10:00:00", "",
        ] {
            #expect(clock.sageText(fromUTC: text) == nil, "\(text)")
        }
    }

    /// The mapper's dates are the same whichever path answers: a time the arithmetic declines still maps.
    @Test func theMapperFallsBackToCalendar() throws {
        let mapper = OrderMapper(settings: OrderMappingSettings())
        var order = baseOrder(1)
        order.createdAt = "2024-07-01 12:30:05.5"
        #expect(try mapper.map(order).salesOrder.salesOrderDate == "2024-07-01T13:30:05")
        order.createdAt = "2150-07-01 12:30:05"
        #expect(try mapper.map(order).salesOrder.salesOrderDate == "2150-07-01T13:30:05")
        order.createdAt = "2024-7-1 12:30:05"
        #expect(try mapper.map(order).salesOrder.salesOrderDate == "2024-07-01T13:30:05")
    }
}

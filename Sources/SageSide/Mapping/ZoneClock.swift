import Foundation
import Synchronization

/// Turns Magento's UTC `YYYY-MM-DD HH:MM:SS` into Sage's local `YYYY-MM-DDTHH:MM:SS` by arithmetic, for the
/// times it can answer exactly; ``OrderMapper`` uses Foundation's Calendar for the rest.
///
/// Why: a Calendar conversion per order (parse, `date(from:)`, `dateComponents(in:)`) was 7.6 % of the mapping's
/// time. The zone's offsets from 1970 to 2100 are read once from Foundation (its transitions, the same data
/// `dateComponents` uses); an order's instant finds its offset by binary search, and the civil date of the
/// local time is computed (Howard Hinnant's `civil_from_days`, exact for the Gregorian calendar).
/// `ZoneClockTests` checks it against Calendar for every zone Foundation knows.
struct ZoneClock: Sendable {
    /// Seconds since 1970 at which each offset starts, ascending; the first is ``lowerBound``.
    private let starts: [Int64]
    /// The zone's offset from UTC, in seconds, from the matching start on.
    private let offsets: [Int]

    /// 1970-01-01T00:00:00Z: Magento has no orders before it.
    static let lowerBound: Int64 = 0
    /// 2100-01-01T00:00:00Z: later instants take Calendar's path.
    static let upperBound: Int64 = 4_102_444_800

    /// The clock of `zone`, made once per zone for the process: a table takes about 0.5 ms to read, and some
    /// callers make an ``OrderMapper`` per order (Sage 200's pricing).
    static func of(_ zone: TimeZone) -> ZoneClock {
        if let clock = made.withLock({ $0[zone.identifier] }) { return clock }
        let clock = ZoneClock(zone)
        made.withLock { $0[zone.identifier] = clock }
        return clock
    }

    private static let made = Mutex<[String: ZoneClock]>([:])

    init(_ zone: TimeZone) {
        var starts = [Self.lowerBound]
        var offsets = [zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(Self.lowerBound)))]
        var covered = Self.upperBound
        var date = Date(timeIntervalSince1970: TimeInterval(Self.lowerBound))
        let end = Date(timeIntervalSince1970: TimeInterval(Self.upperBound))
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next < end {
            let seconds = next.timeIntervalSince1970
            // Transitions fall on whole seconds; from one that did not on, Calendar answers.
            guard seconds == seconds.rounded(.down) else {
                covered = Int64(seconds.rounded(.down))
                break
            }
            starts.append(Int64(seconds))
            offsets.append(zone.secondsFromGMT(for: next))
            date = next
        }
        self.starts = starts
        self.offsets = offsets
        self.covered = covered
    }

    /// The end of the times the table answers for: ``upperBound``, or earlier when a transition was not on a
    /// whole second.
    private let covered: Int64

    /// Sage's local text of a UTC `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DDTHH:MM:SS`, anything after the seconds
    /// ignored, as Calendar's path ignores it), or nil when the text is not exactly that with valid fields, or
    /// the time is outside the table.
    func sageText(fromUTC text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard bytes.count >= 19, let fields = Self.fields(bytes) else { return nil }
            let days = Self.days(year: fields.year, month: fields.month, day: fields.day)
            let seconds = days * 86_400 + Int64(fields.hour * 3_600 + fields.minute * 60 + fields.second)
            guard seconds >= Self.lowerBound, seconds < covered else { return nil }
            return Self.text(seconds + Int64(offset(at: seconds)))
        }
    }

    /// The offset in force at `seconds` (within the table).
    private func offset(at seconds: Int64) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= seconds { low = middle } else { high = middle - 1 }
        }
        return offsets[low]
    }

    private struct Fields {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    }

    /// `YYYY-MM-DD HH:MM:SS` (or `T` between date and time) with every field in range; nil otherwise.
    private static func fields(_ b: UnsafeBufferPointer<UInt8>) -> Fields? {
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for index in from..<from + count {
                let digit = Int(b[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        // Calendar's path reads the first 19 characters, and ignores the rest. An ASCII byte after them keeps
        // them the first 19 bytes; a combining mark would join the 19th digit into one character it cannot read.
        if b.count > 19, b[19] >= 0x80 { return nil }
        return Fields(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a Gregorian date (`days_from_civil`).
    private static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = Int64((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DDTHH:MM:SS` of local seconds since 1970 (`civil_from_days`).
    private static func text(_ local: Int64) -> String {
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        var bytes = [UInt8](repeating: 0, count: 19)
        func put(_ value: Int, _ at: Int, _ count: Int) {
            var value = value
            for index in stride(from: at + count - 1, through: at, by: -1) {
                bytes[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        put(year, 0, 4)
        bytes[4] = UInt8(ascii: "-")
        put(month, 5, 2)
        bytes[7] = UInt8(ascii: "-")
        put(day, 8, 2)
        bytes[10] = UInt8(ascii: "T")
        put(secondOfDay / 3_600, 11, 2)
        bytes[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, 14, 2)
        bytes[16] = UInt8(ascii: ":")
        put(secondOfDay % 60, 17, 2)
        return String(decoding: bytes, as: UTF8.self)
    }
}

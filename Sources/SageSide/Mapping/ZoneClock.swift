import Foundation
import Synchronization

/// Turns Magento's UTC `YYYY-MM-DD HH:MM:SS` into Sage's local `YYYY-MM-DDTHH:MM:SS` by arithmetic, for the
/// times it can answer exactly; ``OrderMapper`` uses Foundation's Calendar for the rest.
///
/// Why: a Calendar conversion per order (parse, `date(from:)`, `dateComponents(in:)`) was 7.6 % of the mapping's
/// time. The zone's offsets from 1970 to 2100 are read once from Foundation (its transitions, the same data
/// `dateComponents` uses); an order's instant (libc's `timegm`) finds its offset by binary search, and the civil
/// date of the local time is libc's `gmtime_r` of the instant plus the offset, as the engine's archive folders
/// use `localtime_r`.
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
            guard bytes.count >= 19, var fields = Self.fields(bytes) else { return nil }
            // timegm normalises what is out of range (February 30 becomes March 2): a time that does not come back
            // as written was not a valid one.
            let written = fields
            let utc = timegm(&fields)
            guard Self.sameTime(fields, written), Int64(utc) >= Self.lowerBound, Int64(utc) < covered else { return nil }
            var local = utc + time_t(offset(at: Int64(utc)))
            var civil = tm()
            guard gmtime_r(&local, &civil) != nil else { return nil }
            return Self.text(civil)
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

    /// `YYYY-MM-DD HH:MM:SS` (or `T` between date and time) read into a `tm`; nil when a field is not digits.
    private static func fields(_ b: UnsafeBufferPointer<UInt8>) -> tm? {
        func number(_ from: Int, _ count: Int) -> Int32? {
            var value: Int32 = 0
            for index in from..<from + count {
                let digit = Int32(b[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        // Calendar's path reads the first 19 characters, and ignores the rest. An ASCII byte after them keeps
        // them the first 19 bytes; a combining mark would join the 19th digit into one character it cannot read.
        if b.count > 19, b[19] >= 0x80 { return nil }
        var fields = tm()
        fields.tm_year = year - 1900
        fields.tm_mon = month - 1
        fields.tm_mday = day
        fields.tm_hour = hour
        fields.tm_min = minute
        fields.tm_sec = second
        return fields
    }

    private static func sameTime(_ a: tm, _ b: tm) -> Bool {
        a.tm_year == b.tm_year && a.tm_mon == b.tm_mon && a.tm_mday == b.tm_mday && a.tm_hour == b.tm_hour
            && a.tm_min == b.tm_min && a.tm_sec == b.tm_sec
    }

    /// `YYYY-MM-DDTHH:MM:SS` of a civil time (a year of four digits: the table's years are).
    private static func text(_ time: tm) -> String {
        var bytes = [UInt8](repeating: 0, count: 19)
        func put(_ value: Int32, _ at: Int, _ count: Int) {
            var value = value
            for index in stride(from: at + count - 1, through: at, by: -1) {
                bytes[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        put(time.tm_year + 1900, 0, 4)
        bytes[4] = UInt8(ascii: "-")
        put(time.tm_mon + 1, 5, 2)
        bytes[7] = UInt8(ascii: "-")
        put(time.tm_mday, 8, 2)
        bytes[10] = UInt8(ascii: "T")
        put(time.tm_hour, 11, 2)
        bytes[13] = UInt8(ascii: ":")
        put(time.tm_min, 14, 2)
        bytes[16] = UInt8(ascii: ":")
        put(time.tm_sec, 17, 2)
        return String(decoding: bytes, as: UTF8.self)
    }
}

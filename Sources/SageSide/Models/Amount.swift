import Foundation

/// An amount as the order mapping computes with it: a scaled integer (`mantissa / 10^scale`) in the common case,
/// `Foundation.Decimal` when the value has no such form.
///
/// `Decimal` arithmetic and formatting were about half of the mapping's time (perf, 10,000 orders), while the
/// amounts of an order file fit an `Int64` with at most 18 decimals and their sums and products are exact in
/// integers. Every operation gives the value `Decimal` gives on the same operands: a result that would overflow
/// (checked, never wrapped) and any operand held as `Decimal` (more than 18 decimals or digits, or what only the
/// `Decimal` parser accepts) is computed with `Decimal` as before.
///
/// Canonical form: a value is held as `Decimal` only when it has no scaled-integer form, so equal values compare
/// and hash equal (`14.12` and `14.1200` too).
struct Amount: Sendable {
    enum Storage: Sendable {
        /// `mantissa / 10^scale`: `mantissa` is never `Int64.min` (negation cannot trap), `scale` is 0...18.
        case fixed(mantissa: Int64, scale: Int)
        /// A value without a scaled-integer form.
        case decimal(Decimal)
    }

    private(set) var storage: Storage

    /// The largest scale held as an integer: 10^18 is the largest power of ten an `Int64` holds.
    static let maxScale = 18
    static let zero = Amount(mantissa: 0, scale: 0)

    /// 10^0 ... 10^22 (Int128 holds up to about 1.7 x 10^38).
    private static let powers: [Int128] = (0...22).map { n in (0..<n).reduce(Int128(1)) { r, _ in r * 10 } }

    /// `mantissa / 10^scale`; `scale` must be 0...18 and `mantissa` not `Int64.min`.
    init(mantissa: Int64, scale: Int) {
        precondition((0...Self.maxScale).contains(scale) && mantissa != .min)
        storage = .fixed(mantissa: mantissa, scale: scale)
    }

    /// The same value as `decimal`, held as an integer when it has such a form.
    init(_ decimal: Decimal) {
        // The description is exact and plain ("-14.12") for finite values; parsing it is only for values made
        // in code (settings, tests) and for results of the Decimal fallback.
        if !decimal.isNaN, let fixed = Self.parseFixed(Array(decimal.description.utf8)) {
            self = fixed
        } else {
            storage = .decimal(decimal)
        }
    }

    /// A 128-bit integer result at `scale`, as an integer when it fits, else nil.
    private static func fitting(_ value: Int128, scale: Int) -> Amount? {
        var value = value
        var scale = scale
        while scale > maxScale || (value > Int128(Int64.max) || value < -Int128(Int64.max)) {
            // Trailing zeros of the decimals carry no value: drop them to fit.
            guard scale > 0, value % 10 == 0 else { return nil }
            value /= 10
            scale -= 1
        }
        return Amount(mantissa: Int64(value), scale: scale)
    }

    /// The value as a `Decimal` (exact).
    var decimal: Decimal {
        switch storage {
        case .decimal(let value): return value
        case .fixed(let mantissa, let scale):
            return Decimal(sign: mantissa < 0 ? .minus : .plus, exponent: -scale, significand: Decimal(mantissa.magnitude))
        }
    }

    // MARK: Parsing

    /// Parses an amount as `Decimal(amountText:)` does (the same texts accepted, the same value): the plain form
    /// `[+-]digits[.digits]` here, anything else (blank around it, "5.", ".5", 30 digits) through
    /// `Decimal(amountText:)`.
    init?(amountText text: String) {
        var text = text
        if let fixed = text.withUTF8({ Self.parseFixed($0) }) {
            self = fixed
            return
        }
        guard let value = Decimal(amountText: text) else { return nil }
        self.init(value)
    }

    /// `[+-]?[0-9]+(\.[0-9]+)?` whose value fits an `Int64` with at most 18 decimals once the decimals' trailing
    /// zeros are dropped; nil for any other text.
    static func parseFixed(_ bytes: UnsafeBufferPointer<UInt8>) -> Amount? {
        var index = 0
        let count = bytes.count
        guard count > 0 else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        var mantissa: Int64 = 0
        var integerDigits = 0
        var fractionDigits = 0
        var scale = 0
        var pendingZeros = 0  // decimals' zeros not multiplied in yet: dropped when nothing but zeros follows
        var seenDot = false
        while index < count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: ".") {
                guard !seenDot, integerDigits > 0 else { return nil }
                seenDot = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte &- UInt8(ascii: "0"))
            if seenDot {
                fractionDigits += 1
                if digit == 0 {
                    pendingZeros += 1
                    continue
                }
                while pendingZeros > 0 {
                    let (shifted, overflow) = mantissa.multipliedReportingOverflow(by: 10)
                    guard !overflow else { return nil }
                    mantissa = shifted
                    pendingZeros -= 1
                    scale += 1
                }
                scale += 1
            } else {
                integerDigits += 1
            }
            let (shifted, overflow) = mantissa.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(digit)
            guard !overflow, !overflow2 else { return nil }
            mantissa = sum
        }
        guard integerDigits > 0, !seenDot || fractionDigits > 0, scale <= maxScale else { return nil }
        return Amount(mantissa: negative ? -mantissa : mantissa, scale: scale)
    }

    static func parseFixed(_ bytes: [UInt8]) -> Amount? {
        bytes.withUnsafeBufferPointer { parseFixed($0) }
    }

    // MARK: Formatting

    /// The text `Decimal.amountText` writes: no exponent, no trailing zeros, "0" for zero ("20", "14.12", "-0.5").
    var amountText: String {
        guard case .fixed(var mantissa, var scale) = storage else { return decimal.amountText }
        if mantissa == 0 { return "0" }
        while scale > 0, mantissa % 10 == 0 {
            mantissa /= 10
            scale -= 1
        }
        // At most a sign, 19 digits, a dot and 18 leading zeros of the decimals.
        let capacity = 40
        return String(unsafeUninitializedCapacity: capacity) { buffer in
            // Digits from the last, at the end of the buffer; then moved to the front.
            var magnitude = mantissa.magnitude
            var end = capacity
            var written = 0
            repeat {
                if written == scale, scale > 0 {
                    end -= 1
                    buffer[end] = UInt8(ascii: ".")
                }
                end -= 1
                buffer[end] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
                written += 1
            } while magnitude > 0 || written <= scale
            if mantissa < 0 {
                end -= 1
                buffer[end] = UInt8(ascii: "-")
            }
            let length = capacity - end
            for i in 0..<length { buffer[i] = buffer[end + i] }
            return length
        }
    }

    // MARK: Arithmetic

    /// Both values as integers at a common scale (exact: 10^18 x Int64.max fits an Int128).
    private static func aligned(_ a: Amount, _ b: Amount) -> (Int128, Int128, scale: Int)? {
        guard case .fixed(let ma, let sa) = a.storage, case .fixed(let mb, let sb) = b.storage else { return nil }
        let scale = max(sa, sb)
        return (Int128(ma) * powers[scale - sa], Int128(mb) * powers[scale - sb], scale)
    }

    static func + (a: Amount, b: Amount) -> Amount {
        if let (x, y, scale) = aligned(a, b), let sum = fitting(x + y, scale: scale) { return sum }
        return Amount(a.decimal + b.decimal)
    }

    static func - (a: Amount, b: Amount) -> Amount {
        if let (x, y, scale) = aligned(a, b), let difference = fitting(x - y, scale: scale) { return difference }
        return Amount(a.decimal - b.decimal)
    }

    static func * (a: Amount, b: Amount) -> Amount {
        if case .fixed(let ma, let sa) = a.storage, case .fixed(let mb, let sb) = b.storage,
            let product = fitting(Int128(ma) * Int128(mb), scale: sa + sb)
        {
            return product
        }
        return Amount(a.decimal * b.decimal)
    }

    static func += (a: inout Amount, b: Amount) { a = a + b }

    var magnitude: Amount {
        switch storage {
        case .fixed(let mantissa, let scale): Amount(mantissa: mantissa < 0 ? -mantissa : mantissa, scale: scale)
        case .decimal(let value): Amount(abs(value))
        }
    }

    /// Rounded to `places` decimals, halves away from zero: `Decimal.rounded(_:)` (NSDecimalRound, `.plain`).
    func rounded(_ places: Int) -> Amount {
        guard case .fixed(let mantissa, let scale) = storage, (0...Self.maxScale).contains(places) else {
            return Amount(decimal.rounded(places))
        }
        guard scale > places else { return self }
        let divisor = Int64(Self.powers[scale - places])
        var quotient = mantissa / divisor
        let remainder = mantissa % divisor
        if remainder.magnitude >= (divisor.magnitude + 1) / 2 { quotient += mantissa < 0 ? -1 : 1 }
        return Amount(mantissa: quotient, scale: places)
    }

    /// `(self / divisor).rounded(places)` as `Decimal` computes it, for a non-zero divisor.
    ///
    /// `Decimal` divides to its 38 digits (about 28 for a 9-digit divisor), then rounds; the exact integer quotient
    /// rounds the same way while the dividend's digits and the divisor's stay well inside that precision, which
    /// the guard checks (any quantity or amount of an order file passes it). Outside it: `Decimal`.
    func divided(by divisor: Amount, rounded places: Int) -> Amount {
        if case .fixed(let ma, let sa) = storage, case .fixed(let mb, let sb) = divisor.storage, mb != 0,
            mb.magnitude <= 1_000_000_000, sb <= 3, (0...4).contains(places)
        {
            // self / divisor = ma x 10^sb / (mb x 10^sa); times 10^places to keep `places` decimals.
            let numerator = Int128(ma) * Self.powers[sb + places]  // |ma| < 9.3e18, 10^7: fits
            let denominator = Int128(mb) * Self.powers[sa]
            var quotient = numerator / denominator
            let remainder = numerator % denominator
            if remainder.magnitude * 2 >= denominator.magnitude {
                quotient += (numerator < 0) != (denominator < 0) ? -1 : 1
            }
            if let result = Self.fitting(quotient, scale: places) { return result }
        }
        return Amount(decimal / divisor.decimal).rounded(places)
    }
}

extension Amount: Comparable, Hashable {
    static func == (a: Amount, b: Amount) -> Bool {
        if let (x, y, _) = aligned(a, b) { return x == y }
        if case .decimal(let x) = a.storage, case .decimal(let y) = b.storage { return x == y }
        return false  // canonical form: a value with an integer form is never held as Decimal
    }

    static func < (a: Amount, b: Amount) -> Bool {
        if let (x, y, _) = aligned(a, b) { return x < y }
        return a.decimal < b.decimal
    }

    func hash(into hasher: inout Hasher) {
        switch storage {
        case .fixed(var mantissa, var scale):
            while scale > 0, mantissa % 10 == 0 {
                mantissa /= 10
                scale -= 1
            }
            hasher.combine(mantissa)
            hasher.combine(scale)
        case .decimal(let value):
            hasher.combine(value)
        }
    }
}

extension Amount: ExpressibleByIntegerLiteral {
    init(integerLiteral value: Int64) {
        self.init(mantissa: value, scale: 0)
    }
}

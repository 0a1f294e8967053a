/// SplitMix64: a tiny, fast and fully specified generator, so seeded data (the demo catalogue, the stand-ins'
/// stores and fault dice) is the same on every platform and Swift version, which the system generator is not.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose first output is the SplitMix64 mix of `seed` plus one step.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range`, by a modulo (its bias is irrelevant for test data; the standard library's
    /// `Int.random(in:using:)` draws differently, so callers that pinned data to this keep it).
    public mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// Uniform in [0, 1), from the top 53 bits (a `Double`'s precision): a fault's roll of the dice.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}

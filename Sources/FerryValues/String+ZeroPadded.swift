extension String {
    /// `value` in base `radix`, zero-padded to at least `width` digits: what `%0*d` (or `%0*llx`) writes for a
    /// non-negative value, without `String(format:)`, whose varargs formatting showed in the burst profile.
    @inlinable public init<Value: BinaryInteger>(zeroPadded value: Value, width: Int, radix: Int = 10, uppercase: Bool = false) {
        let digits = String(value, radix: radix, uppercase: uppercase)
        self = digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

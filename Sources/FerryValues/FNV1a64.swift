/// 64-bit FNV-1a, fed byte by byte: the ledger's content hash of an order and the tag of a shortened file name.
/// Not a security hash: nothing it hashes is secret, and a collision costs a name or a change unnoticed, never data.
public struct FNV1a64: Sendable {
    /// The hash of the bytes added so far (the offset basis when none were).
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// Adds `bytes` in order.
    public mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
    }

    /// The hash of `text`'s UTF-8 bytes.
    public static func hash(_ text: String) -> UInt64 {
        var hasher = FNV1a64()
        hasher.add(text.utf8)
        return hasher.value
    }
}

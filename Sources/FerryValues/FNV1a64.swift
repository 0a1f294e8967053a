/// 64-bit FNV-1a, fed byte by byte: the ledger's content hash of an order and the tag of a shortened file name.
/// Not a security hash: nothing it hashes is secret or chosen by an attacker to collide. By chance, two texts share
/// a hash once in 2^64: an order changed since it was sent would then look unchanged.
public struct FNV1a64: Sendable {
    // Inlinable, so that each caller's loop is specialized for its byte sequence (a mapping hashes every byte
    // of every order it sends).
    @usableFromInline var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// The hash of the bytes added so far (the offset basis when none were).
    @inlinable public var value: UInt64 { state }

    /// Adds `bytes` in order.
    @inlinable public mutating func add(_ bytes: some Sequence<UInt8>) {
        // A native string's UTF-8 and an array are contiguous: a loop over their buffer skips the UTF-8 view's
        // index work per byte (the ledger hashes every byte of every order a mapping sends).
        let start = state
        if let hashed = bytes.withContiguousStorageIfAvailable({ Self.fold(start, $0) }) {
            state = hashed
            return
        }
        state = Self.fold(state, bytes)
    }

    /// `start` with `bytes` folded in.
    @inlinable static func fold(_ start: UInt64, _ bytes: some Sequence<UInt8>) -> UInt64 {
        var state = start
        for byte in bytes {
            state ^= UInt64(byte)
            state = state &* 0x0000_0100_0000_01b3
        }
        return state
    }

    /// The hash of `text`'s UTF-8 bytes.
    @inlinable public static func hash(_ text: String) -> UInt64 {
        var hasher = FNV1a64()
        hasher.add(text.utf8)
        return hasher.value
    }
}

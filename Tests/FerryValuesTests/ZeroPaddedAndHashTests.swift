import FerryValues
import Foundation
import Testing

/// The one zero-padding and the one FNV-1a, against what C's `printf` writes and the hash's published vectors:
/// the ledger keeps these hashes, so their text must never change.
@Suite struct ZeroPaddedAndHashTests {
    @Test func zeroPaddingWritesWhatPrintfWrites() {
        var random = SplitMix64(seed: 18)
        for _ in 0..<10_000 {
            let width = Int(random.next() % 20)
            let value = Int(truncatingIfNeeded: random.next() >> UInt64(random.next() % 64)) & Int.max
            #expect(String(zeroPadded: value, width: width) == String(format: "%0*ld", Int32(width), value))
            let hash = random.next() >> UInt64(random.next() % 64)
            #expect(String(zeroPadded: hash, width: width, radix: 16) == String(format: "%0*llx", Int32(width), hash))
            #expect(String(zeroPadded: hash, width: width, radix: 16, uppercase: true) == String(format: "%0*llX", Int32(width), hash))
        }
    }

    /// Vectors from the FNV reference test suite (Fowler, Noll, Vo: `test_fnv.c`, FNV-1a 64-bit).
    @Test func fnv1aMatchesTheReferenceVectors() {
        #expect(FNV1a64.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a64.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a64.hash("foobar") == 0x8594_4171_f739_67e8)
        var pieces = FNV1a64()
        pieces.add("foo".utf8)
        pieces.add("bar".utf8)
        #expect(pieces.value == FNV1a64.hash("foobar"))
    }
}

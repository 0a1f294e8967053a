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

    /// A native string's bytes are hashed from its buffer, any other sequence byte by byte: both give the same
    /// hash, for bytes of every value, and a hash fed in pieces equals the hash of the whole.
    @Test func theBufferAndTheByteByByteLoopAgree() {
        var random = SplitMix64(seed: 64)
        for _ in 0..<2_000 {
            let bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            var fromBuffer = FNV1a64()
            fromBuffer.add(bytes)
            var byteByByte = FNV1a64()
            byteByByte.add(bytes.lazy.map { $0 })
            #expect(fromBuffer.value == byteByByte.value)
            let cut = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            var pieces = FNV1a64()
            pieces.add(bytes[..<cut])
            pieces.add(bytes[cut...].lazy.map { $0 })
            #expect(pieces.value == fromBuffer.value)
            let text = String(decoding: bytes, as: UTF8.self)
            var textBytes = FNV1a64()
            textBytes.add(Array(text.utf8))
            #expect(FNV1a64.hash(text) == textBytes.value)
        }
    }
}

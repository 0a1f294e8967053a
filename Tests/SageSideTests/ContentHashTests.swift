@testable import SageSide
import Testing

/// The ledger's content hash: 16 lower-case hex digits of FNV-1a over the order's canonical form. The ledger keeps
/// these texts, so a change of format would make every order sent look changed.
@Suite struct ContentHashTests {
    /// Expected values computed outside Swift (Python, FNV-1a 64 as the reference defines it).
    @Test func theTextIsSixteenLowerCaseHexDigitsWithLeadingZeros() {
        #expect(contentHash("") == "cbf29ce484222325")
        #expect(contentHash("a") == "af63dc4c8601ec8c")
        #expect(contentHash("order-16300") == "00ca74557631d146")
    }

    @Test func streamingHashEqualsTheHashOfTheCanonicalTree() {
        for (order, _) in ElementSinkTests.orders {
            #expect(order.contentHash == contentHash(order.element().canonical))
        }
    }
}

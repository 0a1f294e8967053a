import FerryValues
import Testing

/// The one backoff of the engine (file retries) and the HTTP clients (call retries): its bounds, its cap and how it
/// takes a server's `Retry-After`.
@Suite struct RetryPolicyTests {
    /// The engine's shape: 1 s doubling to 300 s, up to 20 % off.
    let files = RetryPolicy(maxAttempts: 5, initial: .seconds(1), maximum: .seconds(300), jitter: 0.2)
    /// The HTTP clients' shape: 0.5 s doubling to 30 s, up to half off.
    let requests = RetryPolicy(maxAttempts: 5, initial: .milliseconds(500), maximum: .seconds(30))

    @Test(arguments: [(1, 1), (2, 2), (3, 4), (5, 16), (9, 256), (10, 300), (40, 300), (5000, 300)])
    func fileDelaysDoubleFromInitialUpToTheCapLessAtMostAFifth(attempt: Int, fullSeconds: Int) {
        var random = SplitMix64(seed: UInt64(attempt))
        let full = Duration.seconds(fullSeconds)
        for _ in 0..<200 {
            let delay = files.delay(attempt: attempt, using: &random)
            #expect(delay <= full)
            #expect(delay >= full * 0.8)
        }
    }

    @Test(arguments: [(1, 500), (2, 1000), (4, 4000), (7, 30_000), (1000, 30_000)])
    func requestDelaysLieBetweenHalfTheBackoffAndAllOfIt(attempt: Int, fullMilliseconds: Int) {
        var random = SplitMix64(seed: 7)
        let full = Duration.milliseconds(fullMilliseconds)
        let delays = (0..<200).map { _ in requests.delay(attempt: attempt, using: &random) }
        #expect(delays.allSatisfy { $0 >= full / 2 && $0 <= full })
        // Jitter is there at all: many retries started together do not all wake at once.
        #expect(Set(delays).count > 1)
    }

    @Test func withoutJitterTheDelayIsExact() {
        let exact = RetryPolicy(maxAttempts: 3, initial: .milliseconds(10), maximum: .milliseconds(50), jitter: 0)
        #expect([1, 2, 3, 4].map { exact.delay(attempt: $0) } == [.milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(50)])
    }

    @Test func retryAfterWinsOverTheBackoffUpToTheCap() {
        #expect(requests.delay(attempt: 1, retryAfter: .seconds(7)) == .seconds(7))
        #expect(requests.delay(attempt: 4, retryAfter: .seconds(3600)) == .seconds(30))
        #expect(requests.delay(attempt: 4, retryAfter: .seconds(-5)) == .zero)
    }

    @Test(arguments: [
        ("120", Duration.seconds(120)), (" 2 ", .seconds(2)), ("0.25", .milliseconds(250)), ("-3", .zero),
        ("1e300", .seconds(1_000_000_000)),
    ])
    func retryAfterHeadersInSecondsAreRead(header: String, expected: Duration) {
        #expect(RetryPolicy.retryAfter(header) == expected)
    }

    @Test(arguments: [nil, "", "soon", "inf", "nan", "Wed, 21 Oct 2026 07:28:00 GMT"])
    func retryAfterHeadersThatAreNotSecondsAreLeftToTheBackoff(header: String?) {
        #expect(RetryPolicy.retryAfter(header) == nil)
    }
}

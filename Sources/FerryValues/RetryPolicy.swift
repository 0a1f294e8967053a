import Foundation

/// Capped exponential backoff with jitter: the engine's retries of a file and the HTTP clients' retries of a call.
///
/// The wait after attempt *n* is `initial * 2^(n-1)`, capped at ``maximum``, less a random part of up to ``jitter``
/// of it so that many retries started together spread out. A server's `Retry-After` wins over the backoff, capped
/// at ``maximum`` too, so a hostile or broken server cannot park a stage for a day.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included. The engine quarantines a file whose task keeps failing without saying
    /// whether the failure is transient after this many; an HTTP client gives up a call after this many.
    public var maxAttempts: Int
    /// The wait after the first attempt.
    public var initial: Duration
    /// The longest wait, `Retry-After` included.
    public var maximum: Duration
    /// The largest fraction of a wait that jitter takes off (0 to 1): a wait `d` lies in `[d * (1 - jitter), d]`.
    public var jitter: Double

    /// Creates a policy.
    /// - Parameters:
    ///   - maxAttempts: attempts in all, the first included.
    ///   - initial: the wait after the first attempt.
    ///   - maximum: the longest wait, `Retry-After` included.
    ///   - jitter: the largest fraction of a wait taken off at random (default a half).
    public init(maxAttempts: Int, initial: Duration, maximum: Duration, jitter: Double = 0.5) {
        self.maxAttempts = maxAttempts
        self.initial = initial
        self.maximum = maximum
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The wait after attempt `attempt` (counted from 1) failed.
    /// - Parameters:
    ///   - attempt: the attempt that failed, from 1.
    ///   - retryAfter: the server's `Retry-After`, if it sent one: taken as it is (capped at ``maximum``).
    /// - Returns: the wait before the next attempt.
    public func delay(attempt: Int, retryAfter: Duration? = nil) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, retryAfter: retryAfter, using: &generator)
    }

    /// ``delay(attempt:retryAfter:)`` with the jitter drawn from `generator` (a seeded one in tests).
    public func delay(
        attempt: Int, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator
    ) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), maximum) }
        guard initial > .zero else { return .zero }
        // The factor is capped before it multiplies, so a thousandth attempt cannot overflow Duration.
        let factor = min(pow(2, Double(max(0, attempt - 1))), maximum / initial)
        let full = initial * factor
        guard jitter > 0 else { return full }
        return full * Double.random(in: (1 - jitter)...1, using: &generator)
    }

    /// A `Retry-After` header's wait, when it is a number of seconds (RFC 9110's other form, an HTTP date, is left
    /// to the backoff).
    /// - Parameter header: the header's value, if the answer had one.
    /// - Returns: nil for no header, a date, or text that is not a finite number of seconds.
    public static func retryAfter(_ header: String?) -> Duration? {
        guard let header, let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite else {
            return nil
        }
        // Clamped before the conversion: `Duration.seconds` traps on a value beyond its range ("1e300").
        return .seconds(min(max(seconds, 0), 1e9))
    }
}

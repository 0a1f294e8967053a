import Testing

/// Polls `condition` every 20 ms; records an issue and throws after `timeout`.
///
/// A hang guard, not a performance assertion: the timeout is generous, for a loaded two-core machine.
/// - Parameters:
///   - what: what is awaited, for the issue's message.
///   - timeout: how long to wait at the most.
///   - condition: checked until it holds.
/// - Throws: `CancellationError` after recording the issue, so the test stops there.
public func waitUntil(_ what: String, timeout: Duration = .seconds(180), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now > deadline {
            Issue.record("timed out waiting for: \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

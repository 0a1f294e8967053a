import ServiceLifecycle

/// Runs `action` every `interval` (the first time at once, or after one interval) until a graceful shutdown or
/// cancellation. Only the wait is cut short: an action in hand is never cancelled, so it ends cleanly.
func repeatUntilShutdown(every interval: Duration, startingNow: Bool, _ action: @escaping @Sendable () async -> Void) async {
    if !startingNow, !(await sleepUnlessShutdown(for: interval)) { return }
    repeat {
        await action()
    } while await sleepUnlessShutdown(for: interval)
}

/// Sleeps for `interval`; false when a graceful shutdown or cancellation ended the sleep early.
private func sleepUnlessShutdown(for interval: Duration) async -> Bool {
    do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        return true
    } catch {
        return false
    }
}

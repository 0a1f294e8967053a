import Synchronization

/// Wakes one waiting loop: ``notify()`` before ``wait(for:)`` is remembered, so no wake-up is lost.
final class Signal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Wakes the waiter, or the next one.
    func notify() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when notified, after `timeout` (nil: no timeout), or when the task is cancelled.
    func wait(for timeout: Duration?) async {
        let timer: Task<Void, Never>? = timeout.map { timeout in
            Task { [self] in
                // Only a timer that ran out notifies. A cancelled one (the wait ended early) must not: its notify
                // would be pending for the next wait, which would return at once and cancel its own timer, which
                // would notify again: a loop spinning a core while a stage waits for a retry.
                do {
                    try await Task.sleep(for: timeout)
                    notify()
                } catch {}
            }
        }
        defer { timer?.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.pending || Task.isCancelled {
                        s.pending = false
                        return true
                    }
                    s.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            notify()
        }
    }
}

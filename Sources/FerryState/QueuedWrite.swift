import Foundation
import Synchronization

/// A transaction queued with ``StateStore/queueDeferred(syncing:_:)``.
public final class QueuedWrite: Sendable {
    private struct State {
        var result: Result<Void, any Error>?
        /// Tasks suspended in ``outcome()``: async reads and the engine's commit waits, any number at once.
        var waiters: [CheckedContinuation<Result<Void, any Error>, Never>] = []
    }
    private let state = Mutex(State())
    /// Left when the transaction has finished, for the synchronous ``StateStore/read(_:)`` (which runs on the
    /// blocking pool and may block its thread); async code suspends in ``outcome()`` instead.
    private let done = DispatchGroup()

    init() { done.enter() }

    func finish(_ result: Result<Void, any Error>) {
        let waiters = state.withLock { state in
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        done.leave()
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Blocks the calling thread until the transaction has finished, however it ended.
    @available(*, noasync, message: "it blocks the thread: await outcome() instead")
    func waitUntilFinished() { done.wait() }

    /// Suspends until the transaction has finished and says how it ended. Not cancellable: the transaction
    /// always finishes, and a reader that waits for it must not go ahead of it.
    func outcome() async -> Result<Void, any Error> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, any Error>, Never>) in
            let result = state.withLock { state in
                if state.result == nil { state.waiters.append(continuation) }
                return state.result
            }
            if let result { continuation.resume(returning: result) }
        }
    }

    /// Returns when the transaction has committed; throws ``StateStoreError`` when it failed (and rolled back).
    public func finished() async throws {
        try await outcome().get()
    }
}

public import GRDB
import Synchronization

extension StateStore {
    /// Runs `body` on a read-only connection against the last transaction written, without waiting for those
    /// still queued (``queueDeferred(syncing:_:)``): for look-ups on a hot path whose caller checks again when
    /// it commits (the ledger's: an order a queued commit records looks new here, and the `INSERT` of the
    /// commit that sends it again finds it, so the engine maps that file again).
    ///
    /// ``readLatest(_:)`` waits for the writer's queue instead. In a burst of one-order files the writer is
    /// committing the files run before, so every job stopped at its first look-up of a group until that commit
    /// was written. `body` runs outside a transaction, so it should run one statement, which SQLite reads from
    /// one snapshot. Each concurrent caller gets a connection of its own.
    @available(*, noasync, message: "it blocks on SQLite: call it on the blocking pool (offload)")
    public func readCommitted<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        let reader = try committedReaders.withLock { $0.popLast() } ?? naming { try openCommittedReader() }
        defer { committedReaders.withLock { $0.append(reader) } }
        return try naming { try reader.unsafeRead(body) }
    }

    private func openCommittedReader() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        // SQLite may answer busy to a read that starts while the writer resets the WAL after a checkpoint, or
        // while another process recovers it: the read waits, as the writer's connection does, instead of failing.
        configuration.busyMode = .timeout(10)
        configuration.label = "ferry.state.committed"
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}

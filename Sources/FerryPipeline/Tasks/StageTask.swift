/// A task that runs once for each file landing in its stage's watched folder: maps a file, sends it to a store.
///
/// A task knows nothing of folders. The engine hands it the claimed input and temporary output files to fill; it
/// makes them visible, durably and exactly once, only after the task returns. Adding a stage to ferry is one file
/// with a type conforming to this protocol (or ``ScheduledTask``) and a ``TaskKind``, plus a config entry.
public protocol FileTask: Sendable {
    /// Processes one input file.
    ///
    /// Throw ``TaskError/badInput(_:)`` for a file that can never succeed (it is moved to `failed/` with the
    /// reason beside it) and ``TaskError/transient(_:)`` for something worth retrying (the network, a locked
    /// store). Record-level problems (one bad order in a batch) are not thrown: write them to a fail output.
    ///
    /// - Parameters:
    ///   - input: the claimed file; read it, never move or delete it.
    ///   - context: where the outputs, commit hooks and counters go.
    func run(_ input: TaskInput, context: TaskContext) async throws
}

/// A file task whose whole work blocks (a mapping: libxml2, the ledger's synchronous look-ups). When its kind
/// ``TaskKind/overlapsFiles``, the engine runs a group of files in one job of the blocking pool per core, one file
/// after another, instead of one task and one hand-off to the pool per file. With its larger groups, a file of a
/// burst of one-order files costs 18 % less CPU (alternated bursts of 5,000 files on tmpfs).
public protocol BlockingFileTask: FileTask {
    /// Processes one input file on a thread of the blocking pool, as ``FileTask/run(_:context:)`` does.
    func runBlocking(_ input: TaskInput, context: TaskContext) throws
}

extension BlockingFileTask {
    /// Runs ``runBlocking(_:context:)`` on the blocking pool: a file run alone (a lone file, a retry).
    public func run(_ input: TaskInput, context: TaskContext) async throws {
        try await offload { try runBlocking(input, context: context) }
    }
}

/// A task that runs on its stage's `everySeconds` interval and on demand (`ferry download`), with no input file:
/// downloads orders, exports stock.
public protocol ScheduledTask: Sendable {
    /// Runs one tick.
    ///
    /// Throw ``TaskError/transient(_:)`` for something worth retrying at the next tick; anything else fails the
    /// run. The outputs and commit hooks of a tick commit together or not at all.
    ///
    /// - Parameter context: where the outputs, commit hooks and counters go.
    func run(_ context: TaskContext) async throws
}

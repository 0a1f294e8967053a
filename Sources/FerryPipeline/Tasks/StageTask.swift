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

import Logging

/// A claimed file from the moment its task is about to run until it is published: its journal row, its input, its
/// task's context and, once its commit is prepared, the outputs the commit records.
struct FileInFlight: Sendable {
    /// The journal row: as claimed, then as committed.
    var entry: JournalEntry
    /// The claimed file as its task reads it.
    let input: TaskInput
    let context: TaskContext
    /// The stage's logger with `ferry.file`.
    let logger: Logger
    let started: ContinuousClock.Instant
    /// Its outputs as `entry.outputs` records them (kept to spare decoding them again); empty until the commit,
    /// and after publishing the names they were published under.
    var outputs: [JournalEntry.Output] = []
}

import FerryState
import Foundation
import GRDB

/// What a run's commit records: its outputs under their final names, and the transaction that records them
/// with the archive place, the task's counters and its commit hooks. The temporaries must reach the disk
/// before the transaction does.
struct RunCommit: Sendable {
    let outputs: [JournalEntry.Output]
    let record: @Sendable (StateDatabase) throws -> Void

    /// Picks the outputs' names (held in `names` until the run is published or let go) and fills `entry` for
    /// its commit.
    ///
    /// - Throws: ``PipelineError`` when the task reserved an output it did not write.
    init(_ entry: inout JournalEntry, context: TaskContext, names: inout OutputNames, task: String, engine: EngineSettings) throws {
        outputs = try names.reserve(context.pendingOutputs, for: entry.runID, task: task)
        // A scratch file the task did not make an output is nothing of the run's.
        for scratch in context.scratchFiles { unlink(scratch.path) }
        entry.state = .committed
        entry.outputs = JournalEntry.encode(outputs)
        if !entry.originalName.isEmpty {
            entry.destination = engine.archiveFolderPath(for: entry.stage, at: Date())
            entry.destinationName = entry.originalName
        }
        let counters = context.counters
        entry.counters = counters.isEmpty ? nil : JournalEntry.encode(counters)
        let hooks = context.commitHooks
        record = { [entry] db in
            try entry.save(db)
            for hook in hooks { try hook(db) }
        }
    }
}

extension RunCommit {
    /// Records the run in a savepoint of the transaction `db` is in, so that a commit that fails is undone alone
    /// (the files of a group share one transaction).
    ///
    /// - Returns: true when recorded; false when it conflicts with a commit made while its task ran
    ///   (``TaskError/conflict(_:)``): undone, to run again.
    /// - Throws: the record's other errors, the savepoint undone.
    func recordAlone(in db: StateDatabase) throws -> Bool {
        do {
            try db.inPreparedSavepoint { try record(db) }
            return true
        } catch TaskError.conflict {
            return false
        }
    }
}

extension TaskContext {
    /// Deletes the temporaries of the outputs reserved so far, and the scratch files: the run will not commit (or
    /// runs again).
    func discardOutputs() {
        for output in pendingOutputs { unlink(output.path) }
        for scratch in scratchFiles { unlink(scratch.path) }
    }
}

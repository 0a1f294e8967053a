import FerryState
import FileWatching
import Foundation
import GRDB
import Logging

extension FileStageRunner {
    /// fsyncs the temporaries of this stage's committed runs (``StageRecovery/syncCommittedOutputs()``).
    func syncCommittedOutputs() {
        StageRecovery(stage: stage, store: environment.store).syncCommittedOutputs()
    }

    /// Finishes what a crash interrupted: committed runs are published, quarantines completed, claimed files
    /// re-run, stray temporaries removed, files in the work area that never got a row adopted, and those of
    /// finished runs archived.
    func recover() {
        let recovery = StageRecovery(stage: stage, store: environment.store)
        let entries = recovery.runs(in: [.claimed, .committed, .failing])
        recovery.syncCommittedOutputs()
        var known = Set<String>()
        for var entry in entries {
            known.insert(entry.runID)
            switch entry.state {
            case .committed:
                republishCommitted(&entry, logger: logger)
            case .failing:
                quarantine(&entry, reason: entry.lastError ?? "quarantined before a restart", logger: logger)
            case .claimed where FolderEntry.stat(folder: workFolder.path, name: entry.runID) != nil:
                ready.append(entry.runID)
            case .claimed:
                // The crash came between the journal row and the rename: the file is still in the inbox.
                try? forgetRun(entry.runID)
            default: break
            }
        }
        recovery.removeStrayTemporaries()
        // Listing skips hidden names; run IDs are never hidden.
        for orphan in (try? FolderEntry.list(folder: workFolder.path)) ?? [] where !known.contains(orphan.name) {
            if var finished = recovery.run(orphan.name) {
                // Done, but its archiving did not reach the disk before a power cut (the archive's folders are
                // not fsynced): archive it again, never run it again.
                if finished.state == .done { republishCommitted(&finished, logger: logger) }
                continue
            }
            logger.warning("work file without a journal row: processing it", metadata: ["ferry.run": "\(orphan.name)"])
            let entry = JournalEntry(
                stage: stage.name, runID: orphan.name, originalName: orphan.name, folder: folder.path, state: .claimed,
                claimedAt: Date().timeIntervalSince1970)
            try? environment.store.write { db in
                var entry = entry
                try entry.insert(db)
            }
            ready.append(orphan.name)
        }
        signal.notify()
    }
}

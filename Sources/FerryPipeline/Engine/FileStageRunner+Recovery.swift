import FerryState
import FileWatching
import Foundation
import GRDB
import Logging

extension FileStageRunner {
    /// fsyncs the temporaries of this stage's committed runs (``StageRecovery/syncCommittedOutputs()``), on the
    /// blocking pool.
    func syncCommittedOutputs() async {
        let recovery = StageRecovery(stage: stage, store: environment.store)
        await BlockingPool.shared.perform { recovery.syncCommittedOutputs() }
    }

    /// Finishes what a crash interrupted: committed runs are published, quarantines completed, claimed files
    /// re-run, stray temporaries removed, files in the work area that never got a row adopted, and those of
    /// finished runs archived. The journal's reads and writes and the file work run on the blocking pool, a
    /// hop for each step.
    func recover() async {
        let recovery = StageRecovery(stage: stage, store: environment.store)
        let entries = await BlockingPool.shared.perform {
            let entries = recovery.runs(in: [.claimed, .committed, .failing])
            recovery.syncCommittedOutputs()
            return entries
        }
        var known = Set<String>()
        var forgotten: [String] = []
        for var entry in entries {
            known.insert(entry.runID)
            switch entry.state {
            case .committed:
                await republishCommitted(&entry, logger: logger)
            case .failing:
                await quarantine(&entry, reason: entry.lastError ?? "quarantined before a restart", logger: logger)
            case .claimed where FolderEntry.stat(folder: workFolder.path, name: entry.runID) != nil:
                ready.append(entry.runID)
            case .claimed:
                // The crash came between the journal row and the rename: the file is still in the inbox.
                forgotten.append(entry.runID)
            default: break
            }
        }
        let (finished, adopted) = await BlockingPool.shared.perform { [stage, folder, workFolder, known, forgotten, logger] in
            for runID in forgotten { try? Self.forgetRun(runID, stage: stage.name, store: recovery.store) }
            recovery.removeStrayTemporaries()
            var finished: [JournalEntry] = []
            var adopted: [String] = []
            // Listing skips hidden names; run IDs are never hidden.
            for orphan in (try? FolderEntry.list(folder: workFolder.path)) ?? [] where !known.contains(orphan.name) {
                if let run = recovery.run(orphan.name) {
                    // Done, but its archiving did not reach the disk before a power cut (the archive's folders
                    // are not fsynced): archive it again, never run it again.
                    if run.state == .done { finished.append(run) }
                    continue
                }
                logger.warning("work file without a journal row: processing it", metadata: ["ferry.run": "\(orphan.name)"])
                let entry = JournalEntry(
                    stage: stage.name, runID: orphan.name, originalName: orphan.name, folder: folder.path, state: .claimed,
                    claimedAt: Date().timeIntervalSince1970)
                try? recovery.store.write { db in
                    var entry = entry
                    try entry.insert(db)
                }
                adopted.append(orphan.name)
            }
            return (finished, adopted)
        }
        for var run in finished { await republishCommitted(&run, logger: logger) }
        ready += adopted
        signal.notify()
    }
}

import DurableFiles
import FerryState
import FerryValues
import FileWatching
import Foundation
import GRDB
import Logging

extension FileStageRunner {
    /// Claims every candidate that has settled: one deferred transaction records them all (`claimed`), then
    /// each is renamed into the work area under its run ID, all in one hop to the blocking pool. Nothing here is
    /// fsynced: the commit that follows carries the claim to the disk (``claimCarriers(for:)``), so a lone file
    /// costs three fsync-family calls end to end (its output, the WAL, the outbox) instead of six more.
    func claimSettled() async {
        let settled = settling.takeSettled(
            now: .now, stat: { [folderPath] name in FolderEntry.stat(folder: folderPath, name: name) },
            isOpenForWriting: { [folderPath] name in InputCompleteness.isOpenForWriting(folderPath + "/" + name) == true })
        guard !settled.isEmpty else { return }
        // Busy while the files are neither settling nor ready: a drain must not take the stage for idle.
        let wasBusy = busy
        busy = true
        defer { busy = wasBusy }
        let stamp = Date().timeIntervalSince1970
        let entries = settled.map { found in
            JournalEntry(
                stage: stage.name, runID: Self.newRunID(), originalName: found.name, folder: folderPath,
                state: .claimed, claimedAt: stamp)
        }
        if takesLonePath(settled: settled.count), let task = task as? any BlockingFileTask {
            await runLone(entries[0], found: settled[0], task: task)
            return
        }
        do {
            let moved = try await offload { [store = environment.store, folderPath, workFolder] in
                try Self.claim(entries, from: folderPath, into: workFolder, store: store)
            }
            for (entry, found) in zip(moved, settled) {
                guard let entry else { continue }
                ready.append(entry.runID)
                claimed[entry.runID] = (entry, found)
            }
            reportDepth()
        } catch {
            logger.error("cannot claim files", metadata: ["ferry.reason": "\(error)"])
        }
    }

    /// Records `entries` as claimed and renames their files into the work area; returns each entry as recorded,
    /// or nil for a file that could not be moved (its row is forgotten). Blocking file and store work.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    static func claim(_ entries: [JournalEntry], from folder: String, into workFolder: URL, store: StateStore) throws -> [JournalEntry?] {
        try Durable.makeFolder(workFolder)
        let work = workFolder.path
        // One transaction for the whole batch, deferred: after a power cut without its row, the file is still
        // in the inbox (the rename was lost too: claimed again) or in the work area with no row (recovery
        // adopts it); nothing was published for it, because publishing waits for the commit's WAL fsync,
        // which carries this row with it (the WAL is replayed as a prefix).
        let inserted = try store.writeDeferred { db in
            try entries.map { entry -> JournalEntry in
                var entry = entry
                try entry.claim(db)
                return entry
            }
        }
        CrashPoint.hit("after-claim-journal")
        let moved = inserted.map { entry -> JournalEntry? in
            // Paths as strings: building two URLs per file to rename it was 1 % of a burst.
            if rename(folder + "/" + entry.originalName, work + "/" + entry.runID) == 0 { return entry }
            // Gone (another process took it) or unreadable folder: forget the row.
            try? forgetRun(entry.runID, stage: entry.stage, store: store)
            return nil
        }
        // No fsync of the work area or the inbox. A power cut may undo these renames; that is harmless until
        // the run commits, and the commit makes them durable first: it syncs its output temporaries, and a
        // filesystem that journals metadata in order (ext4, XFS) commits every earlier rename with the first
        // fsync of a new file on it; when no temporary is on the work area's filesystem, the commit syncs the
        // work area itself (``claimCarriers(for:)``). So a durable commit never leaves its input in the inbox
        // to be claimed, run and published a second time.
        CrashPoint.hit("after-claim-rename")
        return moved
    }

    /// What a commit of `temporaries` must sync besides them to carry its files' claims (renames into the
    /// work area, not fsynced by ``claimSettled()``) to the disk before the commit itself: nothing when one of
    /// them is on the work area's filesystem (its fsync, or the `syncfs` of a batch, commits the earlier
    /// renames with it), otherwise the work area.
    nonisolated func claimCarriers(for temporaries: [String]) -> [String] {
        var work = stat()
        guard stat(workFolderPath, &work) == 0 else { return [workFolderPath] }
        let shared = temporaries.contains { temp in
            var info = stat()
            return stat(temp, &info) == 0 && info.st_dev == work.st_dev
        }
        return shared ? [] : [workFolderPath]
    }

    static func newRunID() -> String {
        let stamp = Int64(Date().timeIntervalSince1970 * 1000)
        return "\(stamp)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    /// Deletes the journal row of a run whose file never reached the work area.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    static func forgetRun(_ runID: String, stage: String, store: StateStore) throws {
        _ = try store.write { db in
            try JournalEntry.filter(Column("stage") == stage && Column("runID") == runID).deleteAll(db)
        }
    }

    /// Gets a claimed file ready for its task. A file that cannot run (a link, a folder, an empty file) is
    /// quarantined here, and a run already committed is published; both return nil.
    func takeClaimed(_ runID: String) async -> FileInFlight? {
        let justClaimed = claimed.removeValue(forKey: runID)
        var journal: JournalEntry?
        if justClaimed == nil {
            do {
                journal = try await environment.store.read { [stage] db in
                    try JournalEntry.filter(Column("stage") == stage.name && Column("runID") == runID).fetchOne(db)
                }
            } catch {
                // The store, or a shutdown cancelling the read: the file stays claimed for a later try.
                logger.warning("cannot read the journal; will try again", metadata: ["ferry.run": "\(runID)", "ferry.reason": "\(error)"])
                retryAt[runID] = .now + engine.retry.delay(attempt: 1)
                return nil
            }
        }
        guard var entry = justClaimed?.entry ?? journal else {
            logger.error("claimed file has no journal entry", metadata: ["ferry.run": "\(runID)"])
            return nil
        }
        let fileLogger = fileLogger(entry)
        if entry.state == .committed {
            // Outputs are already committed (publishing or archiving failed last time): publish, never re-run.
            await republishCommitted(&entry, logger: fileLogger)
            return nil
        }
        // What was claimed is read with lstat (the claim's own reading on a first run; again on a retry and
        // after a restart): only regular files reach a task. A rename keeps the inode, so the claim's is true.
        if let reason = Self.whyUnrunnable(justClaimed?.found ?? FolderEntry.stat(folder: workFolderPath, name: runID)) {
            await quarantine(&entry, reason: reason, logger: fileLogger)
            return nil
        }
        return inFlight(entry)
    }

    /// Why no task may read a claimed file, as `lstat` found it (nil: a regular file with content, or gone,
    /// which the task then reports).
    static func whyUnrunnable(_ found: FolderEntry?) -> String? {
        switch found?.kind {
        case .symbolicLink?: "a symbolic link: ferry never follows links out of an inbox; deliver the file itself"
        case .special?: "not a regular file (a FIFO, socket or device): ferry only reads regular files"
        case .directory?: "a folder: ferry takes files only and never looks inside folders; move its files into the inbox one by one"
        case .regularFile?, nil: found?.size == 0 ? "the file is empty: the sender may have failed; deliver it again" : nil
        }
    }

    /// A claimed file ready for its task: its input in the work area, its context and its logger.
    nonisolated func inFlight(_ entry: JournalEntry) -> FileInFlight {
        let fileLogger = fileLogger(entry)
        let context = TaskContext(
            environment: environment, logger: fileLogger, outputFolders: stage.outputs, runID: entry.runID,
            observers: engine.observers)
        return FileInFlight(
            entry: entry, input: TaskInput(url: URL.file(entry.runID, inFolder: workFolderPath), name: entry.originalName),
            context: context, logger: fileLogger, started: .now)
    }

    /// The stage's logger with `ferry.file`: the name the file was delivered under.
    nonisolated func fileLogger(_ entry: JournalEntry) -> Logger {
        var fileLogger = logger
        fileLogger[metadataKey: "ferry.file"] = "\(entry.originalName)"
        return fileLogger
    }
}

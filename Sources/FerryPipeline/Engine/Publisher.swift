import DurableFiles
import FerryState
import FileWatching
import Foundation
import GRDB

/// Makes committed runs visible: their commits reach the disk, their temporaries are renamed to their names,
/// their inputs are archived, and their journal rows say `done`. Every step can be repeated after a crash at
/// any point, and each output folder is fsynced once for a batch (the archive's folders are not: see
/// ``archiveInputs(_:)``).
///
/// Holds no state of its own: a stage runner hands it to a background task to publish one batch while the next
/// batch's tasks run.
struct Publisher: Sendable {
    let store: StateStore
    /// The stage's work area (nil for a scheduled stage, which has no input to archive).
    let workFolder: URL?

    /// Publishes and archives committed runs with one flush of the journal and one fsync per output folder.
    ///
    /// - Parameters:
    ///   - outputs: each entry's outputs as its `outputs` column records them; on return, the names they were
    ///     published under (another name when something took the committed one meanwhile; the journal then
    ///     records that one).
    ///   - syncingOutputs: fsync the temporaries first: a run committed earlier (a batch that failed to publish,
    ///     a retry) or read back after a crash may have temporaries this process never registered with the store
    ///     for syncing. A batch just committed passes false: the store synced them before it wrote their commits.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    func publishAndArchive(
        _ entries: inout [JournalEntry], outputs: inout [[JournalEntry.Output]], syncingOutputs: Bool
    ) throws {
        if syncingOutputs {
            for output in outputs.joined() where FolderEntry.exists(path: output.temp) {
                try Durable.sync(file: URL(fileURLWithPath: output.temp))
            }
        }
        // Their commits reach the disk before any output is visible: a power loss can then never leave an
        // output published by a run the journal forgot (which would run, and publish, again).
        try store.flush()
        var folders = Set<String>()
        for index in entries.indices {
            var renamed = false
            for place in outputs[index].indices {
                let output = outputs[index][place]
                // nil: the temporary was already published, before an interruption.
                guard let name = try Durable.publish(output.temp, into: output.folder, preferredName: output.name) else { continue }
                folders.insert(output.folder)
                if name != output.name {
                    // Something took the committed name since the commit: the journal says where it went.
                    outputs[index][place].name = name
                    renamed = true
                }
            }
            if renamed { entries[index].outputs = JournalEntry.encode(outputs[index]) }
        }
        for folder in folders.sorted() { try Durable.sync(directory: URL(fileURLWithPath: folder)) }
        if !folders.isEmpty { CrashPoint.hit("after-output-rename") }
        try archiveInputs(&entries)
        let now = Date().timeIntervalSince1970
        for index in entries.indices {
            entries[index].state = .done
            entries[index].finishedAt = now
        }
        // Deferred: lost in a power cut, these runs are simply finished again (every step above is idempotent).
        let done = entries
        try store.writeDeferred { db in
            for entry in done { try entry.save(db) }
        }
    }

    /// ``publishAndArchive(_:outputs:syncingOutputs:)`` for one run read back from the journal.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    func publishAndArchive(_ entry: inout JournalEntry) throws {
        var entries = [entry]
        var outputs = [entry.decodedOutputs]
        try publishAndArchive(&entries, outputs: &outputs, syncingOutputs: true)
        entry = entries[0]
    }

    /// Links each input still in the work area into its archive folder and unlinks it there, recording the
    /// name it was archived under.
    private func archiveInputs(_ entries: inout [JournalEntry]) throws {
        guard let work = workFolder else { return }
        var placements: [Durable.Placement] = []
        var owners: [Int] = []
        // Decoded once per batch, not per file: `URL.path` decodes on every call.
        let workPath = work.path
        for (index, entry) in entries.enumerated() {
            // Not in the work area: archived before an interruption. The `lstat` is the placement's too.
            var info = stat()
            let source = workPath + "/" + entry.runID
            guard let destination = entry.destination, lstat(source, &info) == 0 else { continue }
            placements.append(.init(sourcePath: source, folderPath: destination, preferredName: entry.originalName, sourceInfo: info))
            owners.append(index)
        }
        guard !placements.isEmpty else { return }
        // The archive's folders are not fsynced. After a power cut the run's `done` row (deferred) is lost with
        // the links or, carried by a later WAL fsync, survives them: then recovery finds the input still in the
        // work area under a row that says committed or done and archives it again (link and unlink are
        // idempotent). A filesystem that journals metadata in order (ext4, XFS) never keeps the unlink without
        // the link before it, so the input is never in neither place; the outputs were already durable.
        let placed = try Durable.placeAll(placements, syncingFolders: false)
        for (index, name) in zip(owners, placed) { entries[index].destinationName = name }
        CrashPoint.hit("after-archive")
    }
}

import DurableFiles
import FerryState
import FileWatching
import Foundation
import GRDB

/// What both kinds of stage runner do after a crash, read from the journal: sync the temporaries of committed
/// runs, list the runs to finish, remove temporaries of runs that never committed. All of it blocks (journal
/// reads and writes, fsyncs, listings): the runners call it on the blocking pool, a hop for a batch of steps.
struct StageRecovery: Sendable {
    let stage: StageConfig
    let store: StateStore

    /// fsyncs the temporaries of committed runs. Commits deferred before a crash may not be on disk yet, nor
    /// their temporaries; the next durable write (of any stage) carries those commits to the disk, so their
    /// temporaries must get there first. ``Pipeline`` runs this for every stage before any stage recovers.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    func syncCommittedOutputs() {
        for entry in runs(in: [.committed]) {
            for output in entry.decodedOutputs where FolderEntry.exists(path: output.temp) {
                try? Durable.sync(file: URL(fileURLWithPath: output.temp))
            }
        }
    }

    /// The stage's runs in `states`, in the order they were recorded.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    func runs(in states: [JournalEntry.State]) -> [JournalEntry] {
        let stageName = stage.name
        let names = states.map(\.rawValue)
        return (try? store.read { db in
            try JournalEntry.filter(Column("stage") == stageName && names.contains(Column("state"))).order(Column("id")).fetchAll(db)
        }) ?? []
    }

    /// The stage's journal row of `runID`, if any.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    func run(_ runID: String) -> JournalEntry? {
        let stageName = stage.name
        return (try? store.read { db in
            try JournalEntry.filter(Column("stage") == stageName && Column("runID") == runID).fetchOne(db)
        }) ?? nil
    }

    /// Records a claimed run that will never run again (a scheduled tick interrupted) as abandoned.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    func abandon(_ entry: JournalEntry) {
        var entry = entry
        entry.state = .abandoned
        entry.finishedAt = Date().timeIntervalSince1970
        try? store.write { [entry] db in try entry.update(db) }
    }

    /// Removes `.ferry-<run>-*.tmp` files in the stage's output folders whose run is ours and did not commit.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    func removeStrayTemporaries() {
        for folder in Set(stage.outputs.values) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names where name.hasPrefix(".ferry-") && name.hasSuffix(".tmp") {
                // `.ferry-<millis>-<random>-<name>.tmp`: the run ID is the first two dash-separated parts.
                let parts = name.dropFirst(".ferry-".count).split(separator: "-", maxSplits: 2)
                guard parts.count == 3, let owner = run("\(parts[0])-\(parts[1])"), owner.state != .committed else { continue }
                unlink(folder.appendingPathComponent(name).path)
            }
        }
    }
}

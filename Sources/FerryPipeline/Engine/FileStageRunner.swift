import DurableFiles
import FerryState
import FileWatching
import Foundation
import Logging

/// Runs one file-triggered stage: takes settled files from its folder, claims them, runs the task, commits,
/// publishes and archives, or quarantines and retries. Files are committed and published in the order they were
/// claimed, so a stage's outputs keep their inputs' order; a task whose kind allows it runs several files at
/// once (``TaskKind/overlapsFiles``).
///
/// The life of a file, each step durable before the next (docs/architecture.md), one file each:
/// settle (``SettleTracker``) -> claim (`FileStageRunner+Claim.swift`) -> run and group commit
/// (`FileStageRunner+Commit.swift`, ``RunCommit``, ``OutputNames``) -> publish and archive
/// (`FileStageRunner+Publish.swift`, ``Publisher``) -> done; or failure and quarantine
/// (`FileStageRunner+Failures.swift`); after a crash, `FileStageRunner+Recovery.swift`.
///
/// Group commit: files claimed together are run and committed in order (deferred transactions, queued on the store
/// while the next files' tasks run; a task's reads wait for them, so it sees the rows of the files before it, or check
/// again at the commit), then published together: their outputs (one syncfs) and then their commits (one WAL fsync)
/// reach the disk before anything is published, and each folder is fsynced once for the batch, so a burst costs a
/// handful of fsyncs per batch instead of six per file. While more claimed files wait, a batch is published while the
/// next batch's first tasks run, so both cores of a small machine work. A lone file of a ``BlockingFileTask`` takes
/// the same steps in one job of the blocking pool instead (`FileStageRunner+Lone.swift`).
actor FileStageRunner: StageRunning {
    let stage: StageConfig
    let task: any FileTask
    /// Several files' tasks may run at once (``TaskKind/overlapsFiles``).
    let overlapsFiles: Bool
    let environment: TaskEnvironment
    let engine: EngineSettings
    let logger: Logger
    let signal = Signal()
    /// The watched folder.
    let folder: URL
    /// Where claimed files wait: inside the watched folder, so the claim is a same-filesystem rename.
    /// Stored, not computed: URL appending showed in the burst profile (13 % of the engine's thread).
    let workFolder: URL
    /// `folder.path` and `workFolder.path`, kept: `URL.path` decodes the URL on every call, and the claim of
    /// every file uses them several times.
    let folderPath: String
    let workFolderPath: String
    let publisher: Publisher

    var settling: SettleTracker
    /// Claimed files in order, by run ID, waiting for their task.
    var ready: [String] = []
    var retryAt: [String: ContinuousClock.Instant] = [:]
    var attemptsThisProcess: [String: Int] = [:]
    var busy = false
    var stopping = false
    /// ``stopping``, for the blocking jobs running a group of files (`FileStageRunner+Blocking.swift`).
    nonisolated let stopRequest = StopRequest()
    /// Files just claimed: their first run needs no read of the journal nor another `lstat` (retries do both).
    var claimed: [String: (entry: JournalEntry, found: FolderEntry?)] = [:]
    /// Output names taken by committed runs not yet published, so two runs of a batch never pick the same one.
    var outputNames = OutputNames()
    /// Committed files of a batch whose publishing waits for the next batch's first tasks to start.
    var held: [FileInFlight] = []

    /// At most this many files, or this much time, are run before their batch is published: a burst is
    /// published in steps, and a lone file is never held back. Each batch ends by waiting for its last commit,
    /// with both cores idle; bursts of 5,000 one-order files on tmpfs (alternated, 6 runs each, medians): 2,792
    /// files/s with 64 files or 50 ms, 2,931 with 256 or 100 ms. Once a file cost a third of the CPU it did
    /// then, that wait showed again: 30,000 files (`FileStageRunner+Blocking` groups of 64, alternated, 4 runs
    /// each, medians) 7,032 files/s with 512 files or 100 ms against 6,599 with 256 (groups of 32); 1,024 files
    /// or 200 ms gained nothing more (5,313 against 5,430 files/s in a slower hour).
    static let batchLimit = 512
    /// Files whose tasks run at once, when the task's kind allows (``TaskKind/overlapsFiles``): enough to keep
    /// two cores busy while the runs wait for the commits queued before them. A burst of 10,000 one-order files
    /// on tmpfs took 5.4 s with 2, 4.6 s with 4, 3.7 s with 8 and no less with 16.
    static let overlap = 8
    /// The same for a ``BlockingFileTask``, whose files run in one job per core (`FileStageRunner+Blocking.swift`):
    /// fewer waits for a group's last file and its commit. A burst of 5,000 one-order files on tmpfs, alternated
    /// (5 runs each, medians): 2,354 files/s with 8, 2,541 with 16, 2,679 with 32; about 2,700 with 64. With
    /// files three times cheaper, each group's start (three threads woken) and its last file weighed again:
    /// 30,000 files, alternated, 4 runs each: 7,032 files/s with 64 against 6,968 with 128 (batches of 512).
    static let blockingOverlap = 64
    static let batchTime = Duration.milliseconds(100)

    /// - Parameter folder: the stage's watched folder.
    init(stage: StageConfig, folder: URL, task: any FileTask, overlapsFiles: Bool, environment: TaskEnvironment, engine: EngineSettings) {
        self.stage = stage
        self.folder = folder
        self.overlapsFiles = overlapsFiles
        self.workFolder = folder.appendingPathComponent(".ferry-work")
        self.folderPath = folder.path
        self.workFolderPath = workFolder.path
        self.task = task
        self.environment = environment
        self.engine = engine
        self.settling = SettleTracker(settle: engine.settle)
        self.publisher = Publisher(store: environment.store, workFolder: workFolder)
        var logger = environment.logger
        logger[metadataKey: "ferry.stage"] = "\(stage.name)"
        self.logger = logger
    }

    // MARK: Intake

    /// Feeds an event from the watcher (or a drain's scan).
    func handle(_ event: FolderEvent) {
        guard !stopping else { return }
        let now = ContinuousClock.now
        let wallClock = Int64(Date().timeIntervalSince1970 * 1e9)
        if let name = event.name {
            guard !FolderEntry.isIgnored(name), let entry = FolderEntry.stat(folder: folderPath, name: name) else { return }
            settling.observe(entry, renamedIn: event.kind == .movedIn, now: now, wallClockNanoseconds: wallClock)
        } else {
            do {
                let entries = try FolderEntry.list(folder: folderPath).compactMap { Durable.adoptingEscapedName($0, in: folder, logger: logger) }
                settling.keepOnly(Set(entries.map(\.name)))
                for entry in entries where !settling.isTracking(entry.name) {
                    settling.observe(entry, renamedIn: false, now: now, wallClockNanoseconds: wallClock)
                }
            } catch {
                logger.warning("cannot list the folder", metadata: ["ferry.reason": "\(error)"])
            }
        }
        signal.notify()
    }

    // MARK: The loop

    /// Processes files until ``stop()``; returns when the file in hand is finished.
    func run() async {
        while !stopping {
            if !settling.isEmpty { await claimSettled() }
            let batch = nextBatch()
            if !batch.isEmpty {
                await process(batch)
                continue
            }
            await publishHeld()
            await signal.wait(for: nextDeadline())
        }
        await publishHeld()
        // Ready to run again (one drain after another in `ferry demo --once`). Reset here, not on entry: a stop
        // that comes before the loop has started (a SIGHUP right after the start) must still end it.
        stopping = false
        stopRequest.set(false)
    }

    /// Stops after the file in hand; nothing new is claimed.
    func stop() {
        stopping = true
        stopRequest.set(true)
        signal.notify()
    }

    /// True when nothing is waiting, settling, running or due for a retry in this process.
    func isIdle(includingRetries: Bool) -> Bool {
        settling.isEmpty && ready.isEmpty && held.isEmpty && !busy && (!includingRetries || retryAt.isEmpty)
    }

    /// The next claimed files in order, or else the retry most overdue.
    private func nextBatch() -> [String] {
        if !ready.isEmpty {
            let count = min(ready.count, Self.batchLimit)
            defer { ready.removeFirst(count) }
            return Array(ready.prefix(count))
        }
        let now = ContinuousClock.now
        if let due = retryAt.filter({ $0.value <= now }).min(by: { $0.value < $1.value }) {
            retryAt[due.key] = nil
            return [due.key]
        }
        return []
    }

    private func nextDeadline() -> Duration? {
        let now = ContinuousClock.now
        let first = (Array(retryAt.values) + [settling.nextCheck(after: now)].compactMap { $0 }).min()
        return first.map { max(.zero, $0 - now) }
    }

    /// Tells the observers how many files wait and how many are claimed.
    func reportDepth() {
        guard !engine.observers.isEmpty else { return }
        let waiting = settling.count
        let claimed = ready.count + retryAt.count + (busy ? 1 : 0)
        engine.observers.forEach { $0.queueDepth(stage: stage.name, waiting: waiting, claimed: claimed) }
    }
}

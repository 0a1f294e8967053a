import FerryState
import FerryXML
import FileWatching
import Foundation
import GRDB
import Logging
import Synchronization

/// Runs one stage: takes settled files from its folder, claims them, runs the task, commits and archives,
/// or quarantines and retries. Files are committed and published in the order they were claimed, so a stage's
/// outputs keep their inputs' order; a task whose kind allows it runs several files at once
/// (``TaskKind/overlapsFiles``).
///
/// The life of a file, each step durable before the next (see docs/architecture.md):
/// claim (journal row, then rename into `.ferry-work/`) -> run (outputs to hidden temporaries) ->
/// commit (fsync temporaries; one transaction records outputs, archive place and the task's hooks) ->
/// publish (rename temporaries to their names, fsync folders) -> archive (link into `archive/`, unlink) -> done.
///
/// Group commit: files claimed together are run and committed in order (deferred transactions, queued on the
/// store while the next files' tasks run; a task's reads wait for them, so it sees the ledger rows of the files
/// before it), then published together: their outputs (one syncfs) and then their commits (one WAL fsync) reach
/// the disk before anything is published, and each folder is fsynced once for the batch, so a burst costs a
/// handful of fsyncs per batch instead of six per file. While more claimed files wait, a batch is published
/// while the next batch's first tasks run, so both cores of a small machine work.
actor StageRunner {
    let stage: StageConfig
    private let task: any StageTask
    /// Several files' tasks may run at once (``TaskKind/overlapsFiles``).
    private let overlapsFiles: Bool
    private let environment: TaskEnvironment
    private let engine: EngineSettings
    private let logger: Logger
    private let signal = Signal()

    private struct Candidate {
        var size: Int64
        var modified: Int64
        var lastChange: ContinuousClock.Instant
    }

    private var candidates: [String: Candidate] = [:]
    private var ready: [String] = []
    private var retryAt: [String: ContinuousClock.Instant] = [:]
    private var attemptsThisProcess: [String: Int] = [:]
    private var busy = false
    private var stopping = false
    private var scheduledNow = false
    /// Journal rows of files just claimed, so their first run needs no read of the journal (retries read it).
    private var claimedEntries: [String: JournalEntry] = [:]
    /// Output names taken by committed runs not yet published, so two runs of a batch never pick the same one.
    private var outputNames = OutputNames()
    /// Committed runs of a batch whose publishing waits for the next batch's first tasks to start.
    private var held: [CommittedRun] = []

    /// At most this many files, or this much time, are run before their batch is published: a burst is
    /// published in steps, and a lone file is never held back.
    private static let batchLimit = 64
    /// Files whose tasks run at once, when the task's kind allows (``TaskKind/overlapsFiles``): enough to keep
    /// two cores busy while the runs wait for the commits queued before them. A burst of 10,000 one-order files
    /// on tmpfs took 5.4 s with 2, 4.6 s with 4, 3.7 s with 8 and no less with 16.
    private static let overlap = 8
    private static let batchTime = Duration.milliseconds(50)

    /// A file whose run is committed and waits to be published with the rest of its batch.
    private struct CommittedRun: Sendable {
        var entry: JournalEntry
        /// Its outputs, as `entry.outputs` records them (kept to spare decoding them again).
        var outputs: [JournalEntry.Output]
        let context: TaskContext
        let logger: Logger
        let started: ContinuousClock.Instant
    }

    /// Where claimed files wait: inside the watched folder, so the claim is a same-filesystem rename.
    let workFolder: URL?

    init(stage: StageConfig, task: any StageTask, overlapsFiles: Bool = false, environment: TaskEnvironment, engine: EngineSettings) {
        self.stage = stage
        self.overlapsFiles = overlapsFiles
        // Stored, not computed: URL appending showed in the burst profile (13 % of the engine's thread).
        self.workFolder = stage.watch?.appendingPathComponent(".ferry-work")
        self.task = task
        self.environment = environment
        self.engine = engine
        var logger = environment.logger
        logger[metadataKey: "ferry.stage"] = "\(stage.name)"
        self.logger = logger
    }

    // MARK: Intake

    /// Feeds an event from the watcher (or a drain's scan).
    func handle(_ event: FolderEvent) {
        guard let folder = stage.watch?.path, !stopping else { return }
        if let name = event.name {
            guard !FolderEntry.isIgnored(name), let entry = FolderEntry.stat(folder: folder, name: name) else { return }
            observe(entry, renamedIn: event.kind == .movedIn)
        } else {
            do {
                let entries = try FolderEntry.list(folder: folder).compactMap { Durable.adoptingEscapedName($0, in: URL(fileURLWithPath: folder), logger: logger) }
                let present = Set(entries.map(\.name))
                candidates = candidates.filter { present.contains($0.key) }
                for entry in entries where candidates[entry.name] == nil { observe(entry, renamedIn: false) }
            } catch {
                logger.warning("cannot list the folder", metadata: ["ferry.reason": "\(error)"])
            }
        }
        signal.notify()
    }

    private func observe(_ entry: FolderEntry, renamedIn: Bool) {
        switch entry.kind {
        case .directory:
            // A folder dropped in an inbox is moved out with a reason once it stops changing: left in place it
            // would re-trigger a systemd DirectoryNotEmpty path unit for ever.
            guard candidates[entry.name] == nil else { return }
            candidates[entry.name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: .now)
        case .symbolicLink, .special:
            // Never followed or opened: claimed (a rename moves the link or FIFO itself) and quarantined.
            candidates[entry.name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: .now - engine.settle)
        case .regularFile:
            let ageNanoseconds = Int64(Date().timeIntervalSince1970 * 1e9) - entry.modifiedNanoseconds
            let settled = renamedIn || ageNanoseconds >= engine.settle.nanoseconds
            let previous = candidates[entry.name]
            if let previous, previous.size == entry.size, previous.modified == entry.modifiedNanoseconds, !renamedIn { return }
            candidates[entry.name] = Candidate(
                size: entry.size, modified: entry.modifiedNanoseconds, lastChange: settled ? .now - engine.settle : .now)
        }
    }

    /// Claims every candidate whose size and mtime stayed unchanged for the settle time.
    private func claimSettled() {
        guard let folder = stage.watch, let work = workFolder else { return }
        let now = ContinuousClock.now
        var settled: [(name: String, kind: FolderEntry.Kind)] = []
        for (name, candidate) in candidates {
            guard let entry = FolderEntry.stat(folder: folder.path, name: name) else {
                candidates[name] = nil
                continue
            }
            if entry.kind == .regularFile || entry.kind == .directory,
               entry.size != candidate.size || entry.modifiedNanoseconds != candidate.modified {
                candidates[name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: now)
            } else if now - candidate.lastChange >= engine.settle {
                if entry.kind == .regularFile, InputCompleteness.isOpenForWriting(folder.path + "/" + name) == true {
                    // Unchanged for the settle time but still open for writing: a slow writer between two chunks.
                    candidates[name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: now)
                    continue
                }
                settled.append((name, entry.kind))
                candidates[name] = nil
            }
        }
        guard !settled.isEmpty else { return }
        settled.sort { $0.name < $1.name }
        do {
            try Durable.makeFolder(work)
            // One transaction for the whole batch: a burst of files costs one journal fsync, not one each.
            let stamp = Date().timeIntervalSince1970
            let entries = settled.map { item in
                JournalEntry(
                    stage: stage.name, runID: Self.newRunID(), originalName: item.name, folder: folder.path,
                    state: .claimed, claimedAt: stamp)
            }
            let stageName = stage.name
            let inserted = try environment.store.write { db in
                try entries.map { entry -> JournalEntry in
                    var entry = entry
                    try entry.claim(db)
                    return entry
                }
            }
            CrashPoint.hit("after-claim-journal")
            for entry in inserted {
                let source = folder.appendingFile(entry.originalName)
                if rename(source.path, work.appendingFile(entry.runID).path) == 0 {
                    ready.append(entry.runID)
                    claimedEntries[entry.runID] = entry
                } else {
                    // Gone (another process took it) or unreadable folder: forget the row.
                    let runID = entry.runID
                    _ = try? environment.store.write { db in
                        try JournalEntry.filter(Column("stage") == stageName && Column("runID") == runID).deleteAll(db)
                    }
                }
            }
            try Durable.sync(directory: work)
            try Durable.sync(directory: folder)
            CrashPoint.hit("after-claim-rename")
            reportDepth()
        } catch {
            logger.error("cannot claim files", metadata: ["ferry.reason": "\(error)"])
        }
    }

    private static func newRunID() -> String {
        let stamp = Int64(Date().timeIntervalSince1970 * 1000)
        return "\(stamp)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    // MARK: The loop

    /// Processes files until ``stop()``; returns when the file in hand is finished.
    func run() async {
        // A runner may run again after a stop (one drain after another in `ferry demo --once`).
        stopping = false
        while !stopping {
            if !candidates.isEmpty { claimSettled() }
            let batch = nextBatch()
            if !batch.isEmpty {
                await process(batch)
                continue
            }
            publishHeld()
            if scheduledNow {
                scheduledNow = false
                await tick()
                continue
            }
            await signal.wait(for: nextDeadline())
        }
        publishHeld()
    }

    /// Stops after the file in hand; nothing new is claimed.
    func stop() {
        stopping = true
        signal.notify()
    }

    /// Asks a scheduled stage to run once now.
    func trigger() {
        scheduledNow = true
        signal.notify()
    }

    /// True when nothing is waiting, settling, running or due for a retry in this process.
    func isIdle(includingRetries: Bool) -> Bool {
        candidates.isEmpty && ready.isEmpty && held.isEmpty && !busy && !scheduledNow && (!includingRetries || retryAt.isEmpty)
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
        var deadlines = Array(retryAt.values)
        if let soonest = candidates.values.map({ $0.lastChange + engine.settle }).min() {
            deadlines.append(min(soonest, now + .milliseconds(100)))
        }
        guard let first = deadlines.min() else { return nil }
        return max(.zero, first - now)
    }

    // MARK: Processing

    /// Runs and commits each file of the batch in order, then publishes the committed ones together.
    ///
    /// Commits are queued on the store and run while the next files' tasks do: a task's reads wait for them
    /// (``StateStore/read(_:)``), so it still sees the ledger rows of the files before it, and both cores of a
    /// small machine work during a burst. A task whose kind ``TaskKind/overlapsFiles`` runs ``overlap`` files at
    /// once; their commits still go in order, and a commit that finds it conflicts with the one before (an order
    /// both files sent) is undone and run again, with every file after it.
    private func process(_ runIDs: [String]) async {
        busy = true
        // The depth reported after the batch must not count it as still in hand (a drained queue read 1).
        defer {
            busy = false
            reportDepth()
        }
        let started = ContinuousClock.now
        var committed: [CommittedRun] = []
        var committing: CommittingGroup?
        var publishing: Task<[(run: CommittedRun, failure: String?)], Never>?
        var index = 0
        while index < runIDs.count {
            if index > 0, stopping || ContinuousClock.now - started > Self.batchTime {
                // Back to the front of the queue, in order; after a stop, the journal has them claimed.
                ready.insert(contentsOf: runIDs[index...], at: 0)
                break
            }
            let ids = runIDs[index..<min(index + (overlapsFiles ? Self.overlap : 1), runIDs.count)]
            index += ids.count
            let prepared = ids.compactMap(prepare)
            if !held.isEmpty {
                // The batch before is published off this actor while this batch's tasks and commits go on.
                let runs = held
                held = []
                publishing = Task.detached { self.publishFiles(runs) }
            }
            let ran = conclude(prepared, await Self.execute(prepared, task: task))
            if let previous = committing.take() {
                let again = await finish(previous, into: &committed)
                if !again.isEmpty {
                    // These tasks may have missed what the files to run again will commit: they run again too.
                    for file in ran { setAside(file) }
                    ready.insert(contentsOf: again + ran.map(\.entry.runID) + runIDs[index...], at: 0)
                    break
                }
            }
            if !ran.isEmpty { committing = queueCommit(ran) }
        }
        if let last = committing.take() {
            let again = await finish(last, into: &committed)
            ready.insert(contentsOf: again, at: 0)
        }
        if let publishing = publishing.take() { published(await publishing.value) }
        held += committed
        // While claimed files wait, the batch is published while the next one's first tasks run; otherwise now,
        // so a lone file is never held back.
        if stopping || ready.isEmpty { publishHeld() }
    }

    /// Publishes the runs ``process(_:)`` held back.
    private func publishHeld() {
        guard !held.isEmpty else { return }
        let runs = held
        held = []
        publish(runs)
    }

    /// A file whose task has run and whose outputs wait to be committed.
    private struct RanFile {
        /// The journal row as claimed (before the commit fills it).
        var entry: JournalEntry
        let context: TaskContext
        let logger: Logger
        let started: ContinuousClock.Instant
    }

    /// Files whose commits are queued on the store, in one transaction with a savepoint each.
    private struct CommittingGroup {
        let files: [RanFile]
        /// Each file's journal row and outputs as committed, or the error preparing its commit.
        let prepared: [Result<(entry: JournalEntry, outputs: [JournalEntry.Output]), any Error>]
        let write: QueuedWrite
        let outcomes: CommitOutcomes
    }

    /// What happened to each file of a ``CommittingGroup``, filled inside its transaction.
    private final class CommitOutcomes: Sendable {
        enum Outcome: Sendable {
            case committed
            case failed(any Error)
            /// Conflicts with a commit made while its task ran: undone, to run again.
            case conflict
            /// After a conflict: not tried, to run again.
            case notTried
        }
        let values: Mutex<[Outcome]>
        init(count: Int) { values = Mutex(Array(repeating: .notTried, count: count)) }
    }

    /// Queues one transaction committing `files` in order, each in a savepoint, so a file whose commit fails
    /// is undone alone; after a conflict the files behind it are not tried. ``finish(_:into:)`` waits for it.
    private func queueCommit(_ files: [RanFile]) -> CommittingGroup {
        var prepared: [Result<(entry: JournalEntry, outputs: [JournalEntry.Output]), any Error>] = []
        var temporaries: [String] = []
        var bodies: [(@Sendable (StateDatabase) throws -> Void)?] = []
        for file in files {
            var entry = file.entry
            do {
                let record = try prepareCommit(&entry, context: file.context)
                prepared.append(.success((entry, record.outputs)))
                temporaries += record.outputs.map(\.temp)
                bodies.append(record.body)
            } catch {
                prepared.append(.failure(error))
                bodies.append(nil)
            }
        }
        let outcomes = CommitOutcomes(count: files.count)
        let steps = bodies
        let write = environment.store.queueDeferred(syncing: temporaries) { db in
            for (index, body) in steps.enumerated() {
                // Its preparation failed: ``finish(_:into:)`` reports that error.
                guard let body else { continue }
                do {
                    try db.inSavepoint {
                        try body(db)
                        return .commit
                    }
                    outcomes.values.withLock { $0[index] = .committed }
                } catch TaskError.conflict {
                    outcomes.values.withLock { $0[index] = .conflict }
                    return
                } catch {
                    outcomes.values.withLock { $0[index] = .failed(error) }
                }
            }
        }
        return CommittingGroup(files: files, prepared: prepared, write: write, outcomes: outcomes)
    }

    /// Waits for a queued group: appends its committed runs to `committed`, retries or quarantines the files
    /// that failed, and returns the run IDs to run again (after a conflict), in order.
    private func finish(_ group: CommittingGroup, into committed: inout [CommittedRun]) async -> [String] {
        var transactionError: (any Error)?
        do { try await group.write.finished() } catch { transactionError = error }
        let outcomes = group.outcomes.values.withLock { $0 }
        var again: [String] = []
        for (index, file) in group.files.enumerated() {
            var outcome = outcomes[index]
            if case .failure(let error) = group.prepared[index] { outcome = .failed(error) }
            // The whole transaction failed (the disk, the store): nothing in it committed.
            if let transactionError { outcome = .failed(transactionError) }
            switch outcome {
            case .committed:
                guard case .success(let commit) = group.prepared[index] else { continue }
                CrashPoint.hit("after-commit")
                committed.append(CommittedRun(
                    entry: commit.entry, outputs: commit.outputs, context: file.context, logger: file.logger, started: file.started))
            case .failed(let error):
                fail(file, error)
            case .conflict, .notTried:
                if case .conflict = outcome {
                    file.logger.info("a file committed meanwhile sent some of the same orders: running this one again")
                }
                setAside(file)
                again.append(file.entry.runID)
            }
        }
        return again
    }

    /// Undoes a run that will run again: its temporaries go, its journal row stays claimed.
    private func setAside(_ file: RanFile) {
        removeTemporaries(file.context.pendingOutputs.map(\.url))
        outputNames.release(file.entry.runID)
        claimedEntries[file.entry.runID] = file.entry
    }

    /// Gets a claimed file ready for its task; a file that cannot run (a link, a folder, an empty file) is
    /// quarantined here, and a run already committed is finished; both return nil.
    private func prepare(runID: String) -> RanFile? {
        guard let work = workFolder else { return nil }
        let input = work.appendingFile(runID)
        guard var entry = claimedEntries.removeValue(forKey: runID) ?? (try? environment.store.read({ [stage] db in
            try JournalEntry.filter(Column("stage") == stage.name && Column("runID") == runID).fetchOne(db)
        })) else {
            logger.error("claimed file has no journal entry", metadata: ["ferry.run": "\(runID)"])
            return nil
        }
        var fileLogger = logger
        fileLogger[metadataKey: "ferry.file"] = "\(entry.originalName)"
        if entry.state == .committed {
            // Outputs are already committed (publishing or archiving failed last time): finish, never re-run.
            finishAfterFailure(&entry, logger: fileLogger)
            return nil
        }
        // What was claimed is read with lstat each time (also after a restart): only regular files reach a task.
        let claimed = FolderEntry.stat(folder: work.path, name: runID)
        let reason: String? =
            switch claimed?.kind {
            case .symbolicLink?: "a symbolic link: ferry never follows links out of an inbox; deliver the file itself"
            case .special?: "not a regular file (a FIFO, socket or device): ferry only reads regular files"
            case .directory?: "a folder: ferry takes files only and never looks inside folders; move its files into the inbox one by one"
            case .regularFile?, nil: nil
            }
        if let reason {
            quarantine(&entry, reason: reason, logger: fileLogger)
            return nil
        }
        if claimed?.size == 0 {
            quarantine(&entry, reason: "the file is empty: the sender may have failed; deliver it again", logger: fileLogger)
            return nil
        }
        let context = TaskContext(
            input: TaskInput(url: input, name: entry.originalName), environment: environment, logger: fileLogger,
            outputFolders: stage.outputs, runID: runID, observers: engine.observers)
        return RanFile(entry: entry, context: context, logger: fileLogger, started: .now)
    }

    /// Runs the task on each file, all at once, off this actor.
    private nonisolated static func execute(_ files: [RanFile], task: any StageTask) async -> [Result<Void, any Error>] {
        if files.count == 1 { return [await execute(files[0], task: task)] }
        return await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask { (index, await execute(file, task: task)) }
            }
            var results = [Result<Void, any Error>](repeating: .success(()), count: files.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
    }

    private nonisolated static func execute(_ file: RanFile, task: any StageTask) async -> Result<Void, any Error> {
        do {
            try await task.run(file.context)
            CrashPoint.hit("after-task-run")
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// The files whose task succeeded; the others are retried or quarantined here.
    private func conclude(_ files: [RanFile], _ results: [Result<Void, any Error>]) -> [RanFile] {
        var ran: [RanFile] = []
        for (file, result) in zip(files, results) {
            switch result {
            case .success: ran.append(file)
            case .failure(let error): fail(file, error)
            }
        }
        return ran
    }

    /// A run whose task or commit failed: its temporaries go, and the file is retried or quarantined.
    private func fail(_ file: RanFile, _ error: any Error) {
        removeTemporaries(file.context.pendingOutputs.map(\.url))
        outputNames.release(file.entry.runID)
        var entry = file.entry
        handleFailure(error, entry: &entry, logger: file.logger)
    }

    /// Publishes a batch of committed runs: all at once, or, if that fails, one by one so that a run that cannot
    /// be published waits for its retry alone.
    private func publish(_ batch: [CommittedRun]) {
        published(publishFiles(batch))
    }

    /// The file work of ``publish(_:)``, which needs none of this actor's state: it runs off the actor while
    /// the next batch's tasks start. Returns each run, finished or with the reason it could not be.
    private nonisolated func publishFiles(_ batch: [CommittedRun]) -> [(run: CommittedRun, failure: String?)] {
        guard !batch.isEmpty else { return [] }
        var runs = batch
        var failures = [String?](repeating: nil, count: runs.count)
        do {
            var entries = runs.map(\.entry)
            var outputs = runs.map(\.outputs)
            // Their temporaries were registered with their deferred commits: the flush syncs them.
            try finishCommitted(&entries, outputs: &outputs, syncingOutputs: false)
            for index in runs.indices {
                runs[index].entry = entries[index]
                runs[index].outputs = outputs[index]
            }
        } catch {
            for index in runs.indices {
                do {
                    var entries = [runs[index].entry]
                    var outputs = [runs[index].outputs]
                    try finishCommitted(&entries, outputs: &outputs, syncingOutputs: true)
                    runs[index].entry = entries[0]
                    runs[index].outputs = outputs[0]
                } catch {
                    failures[index] = Redaction.message(of: error)
                }
            }
        }
        return Array(zip(runs, failures))
    }

    /// The bookkeeping of ``publish(_:)``: logs, observers, and a retry for a run that could not be published.
    private func published(_ runs: [(run: CommittedRun, failure: String?)]) {
        guard !runs.isEmpty else { return }
        for (run, failure) in runs {
            outputNames.release(run.entry.runID)
            if let failure {
                // Committed: the temporaries are the outputs now; keep them and only retry the publishing.
                run.logger.error("cannot publish or archive a committed run; will retry", metadata: ["ferry.reason": "\(failure)"])
                scheduleFinishRetry(run.entry)
                continue
            }
            attemptsThisProcess[run.entry.runID] = nil
            if run.logger.logLevel <= .info {
                var metadata: Logger.Metadata = ["ferry.outputs": .array(run.outputs.map { .string($0.name) })]
                for (name, value) in run.context.counters where value > 0 { metadata["ferry.\(name)"] = "\(value)" }
                run.logger.info("processed", metadata: metadata)
            }
            let seconds = (ContinuousClock.now - run.started).seconds
            engine.observers.forEach { $0.fileProcessed(stage: stage.name, file: run.entry.originalName, seconds: seconds, counters: run.context.counters) }
        }
        reportDepth()
    }

    /// A scheduled run: no input file; outputs and hooks commit together.
    private func tick() async {
        busy = true
        defer { busy = false }
        let runID = Self.newRunID()
        // Published, or failed: either way its names are free again.
        defer { outputNames.release(runID) }
        var entry = JournalEntry(
            stage: stage.name, runID: runID, originalName: "", folder: "", state: .claimed,
            claimedAt: Date().timeIntervalSince1970)
        do {
            entry = try environment.store.write { [entry] db in
                var entry = entry
                try entry.insert(db)
                return entry
            }
        } catch {
            logger.error("cannot record the run", metadata: ["ferry.reason": "\(error)"])
            return
        }
        let context = TaskContext(
            input: nil, environment: environment, logger: logger, outputFolders: stage.outputs, runID: runID,
            observers: engine.observers)
        let started = ContinuousClock.now
        do {
            try await task.run(context)
            try commit(&entry, context: context)
            try finishCommitted(&entry)
            logger.info("scheduled run finished", metadata: ["ferry.counters": .dictionary(context.counters.mapValues { .stringConvertible($0) })])
            let seconds = (ContinuousClock.now - started).seconds
            engine.observers.forEach { $0.scheduledRunFinished(stage: stage.name, counters: context.counters, seconds: seconds, error: nil) }
        } catch {
            removeTemporaries(context.pendingOutputs.map(\.url))
            entry.state = .abandoned
            entry.lastError = Redaction.message(of: error)
            entry.finishedAt = Date().timeIntervalSince1970
            try? environment.store.write { [entry] db in try entry.update(db) }
            // Shutdown (SIGTERM) or a reload (SIGHUP) cancels a download: not a failure. A transient one (the
            // store down) is a warning that observers hear as such; anything else is an error.
            if Task.isCancelled || error is CancellationError {
                logger.info("scheduled run interrupted; it runs again at the next start", metadata: ["ferry.reason": "\(entry.lastError ?? "")"])
            } else if FailureClass(error) == .transient {
                logger.warning("scheduled run failed; it runs again at the next interval", metadata: ["ferry.reason": "\(entry.lastError ?? "")"])
                engine.observers.forEach { $0.transientFailure(stage: stage.name, file: nil, reason: entry.lastError ?? "failed") }
            } else {
                logger.error("scheduled run failed; it runs again at the next interval", metadata: ["ferry.reason": "\(entry.lastError ?? "")"])
            }
            let seconds = (ContinuousClock.now - started).seconds
            engine.observers.forEach {
                $0.scheduledRunFinished(stage: stage.name, counters: context.counters, seconds: seconds, error: entry.lastError ?? "failed")
            }
        }
    }

    /// fsyncs the temporaries, then records outputs, the archive place and the task's hooks in one durable
    /// transaction (a scheduled run; files commit with ``queueCommit(_:)``).
    private func commit(_ entry: inout JournalEntry, context: TaskContext) throws {
        let record = try prepareCommit(&entry, context: context)
        for output in record.outputs { try Durable.sync(file: URL(filePath: output.temp, directoryHint: .notDirectory)) }
        try environment.store.write(record.body)
        CrashPoint.hit("after-commit")
    }

    /// Picks the outputs' names and fills `entry` for its commit: the returned transaction records outputs, the
    /// archive place and the task's hooks; the temporaries must reach the disk before it does.
    private func prepareCommit(_ entry: inout JournalEntry, context: TaskContext) throws -> (outputs: [JournalEntry.Output], body: @Sendable (StateDatabase) throws -> Void) {
        let outputs = try outputNames.reserve(context.pendingOutputs, for: entry.runID, task: stage.task)
        entry.state = .committed
        entry.outputs = JournalEntry.encode(outputs)
        if !entry.originalName.isEmpty {
            entry.destination = engine.archiveFolderPath(for: stage.name, at: Date())
            entry.destinationName = entry.originalName
        }
        let counters = context.counters
        entry.counters = counters.isEmpty ? nil : JournalEntry.encode(counters)
        let hooks = context.commitHooks
        let record: @Sendable (StateDatabase) throws -> Void = { [entry] db in
            try entry.save(db)
            for hook in hooks { try hook(db) }
        }
        return (outputs, record)
    }

    /// Publishes and archives committed runs with one flush of the journal and one fsync per folder; each step
    /// can be repeated after a crash at any point.
    ///
    /// - Parameter syncingOutputs: fsync the temporaries first: a run committed earlier (a batch that failed to
    ///   publish, a retry) or read back after a crash may have temporaries this process never registered with
    ///   the store for syncing. A batch just committed passes false: the flush syncs its registered ones.
    /// - Parameter outputs: each entry's outputs, as its `outputs` column records them; the names they were
    ///   published under when something took a committed name meanwhile (the journal records those).
    nonisolated func finishCommitted(
        _ entries: inout [JournalEntry], outputs: inout [[JournalEntry.Output]], syncingOutputs: Bool
    ) throws {
        let waiting = outputs.joined().filter { FolderEntry.exists(path: $0.temp) }
        if syncingOutputs {
            for output in waiting { try Durable.sync(file: URL(fileURLWithPath: output.temp)) }
        }
        // Their commits reach the disk before any output is visible: a power loss can then never leave an
        // output published by a run the journal forgot (which would run, and publish, again).
        try environment.store.flush()
        var folders = Set<String>()
        for index in entries.indices {
            var renamed = false
            for place in outputs[index].indices where FolderEntry.exists(path: outputs[index][place].temp) {
                let output = outputs[index][place]
                let name = try Durable.publish(output.temp, into: output.folder, preferredName: output.name)
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
        if let work = workFolder {
            var placements: [Durable.Placement] = []
            var owners: [Int] = []
            for (index, entry) in entries.enumerated() {
                guard let destination = entry.destination, FolderEntry.stat(folder: work.path, name: entry.runID) != nil else { continue }
                placements.append(.init(
                    source: work.appendingFile(entry.runID), folder: URL(fileURLWithPath: destination),
                    preferredName: entry.originalName))
                owners.append(index)
            }
            if !placements.isEmpty {
                let placed = try Durable.placeAll(placements)
                for (index, target) in zip(owners, placed) { entries[index].destinationName = target.lastPathComponent }
                CrashPoint.hit("after-archive")
            }
        }
        let now = Date().timeIntervalSince1970
        for index in entries.indices {
            entries[index].state = .done
            entries[index].finishedAt = now
        }
        // Deferred: lost in a power cut, these runs are simply finished again (every step above is idempotent).
        let done = entries
        try environment.store.writeDeferred { db in
            for entry in done { try entry.save(db) }
        }
    }

    /// ``finishCommitted(_:outputs:syncingOutputs:)`` for one run read back from the journal.
    nonisolated func finishCommitted(_ entry: inout JournalEntry) throws {
        var entries = [entry]
        var outputs = [entry.decodedOutputs]
        try finishCommitted(&entries, outputs: &outputs, syncingOutputs: true)
        entry = entries[0]
    }

    /// Retries ``finishCommitted(_:syncingOutputs:)-(JournalEntry,_)`` for a committed run with capped backoff; a
    /// committed run is never re-run (that would publish its outputs twice) nor quarantined (its outputs are already out).
    private func finishAfterFailure(_ entry: inout JournalEntry, logger: Logger) {
        do {
            try finishCommitted(&entry)
            attemptsThisProcess[entry.runID] = nil
            logger.info("processed", metadata: ["ferry.outputs": .array(entry.decodedOutputs.map { .string($0.name) })])
            reportDepth()
        } catch {
            logger.error("cannot publish or archive a committed run; will retry", metadata: ["ferry.reason": "\(Redaction.message(of: error))"])
            scheduleFinishRetry(entry)
        }
    }

    private func scheduleFinishRetry(_ entry: JournalEntry) {
        let attempts = (attemptsThisProcess[entry.runID] ?? 0) + 1
        attemptsThisProcess[entry.runID] = attempts
        // A drain leaves it claimed for the next run (the journal says so) rather than wait out the backoff.
        if let limit = engine.drainAttempts, attempts >= limit { return }
        retryAt[entry.runID] = .now + engine.retry.delay(attempt: attempts)
    }

    private func handleFailure(_ error: any Error, entry: inout JournalEntry, logger: Logger) {
        var message = Redaction.message(of: error)
        if let work = workFolder, let folder = stage.watch {
            // Name the file as the operator knows it, not by its place in the work area.
            message = message.replacingOccurrences(
                of: work.appendingFile(entry.runID).path, with: folder.appendingFile(entry.originalName).path)
        }
        let attempts = (attemptsThisProcess[entry.runID] ?? 0) + 1
        attemptsThisProcess[entry.runID] = attempts
        let failure = FailureClass(error)
        if failure == .badInput {
            if let work = workFolder, let folder = stage.watch {
                let input = work.appendingFile(entry.runID).path
                if InputCompleteness.mayStillBeWritten(input, settle: engine.settle) {
                    // Perhaps read while its writer was still at it: read it again once it has settled.
                    retryAt[entry.runID] = .now + engine.settle
                    logger.info("unreadable, but may still be being written: reading it again after the settle time", metadata: ["ferry.reason": "\(message)"])
                    return
                }
                if error is XMLError, let truncated = InputCompleteness.truncation(of: input) {
                    message = "\(folder.appendingFile(entry.originalName).path): \(truncated)"
                }
            }
            quarantine(&entry, reason: message, logger: logger)
            return
        }
        if failure == .unclassified, attempts >= engine.retry.maxUnclassifiedAttempts {
            quarantine(&entry, reason: "gave up after \(attempts) attempts: \(message)", logger: logger)
            return
        }
        entry.attempts += 1
        entry.lastError = message
        if let limit = engine.drainAttempts, attempts >= limit {
            // A drain must end: leave the file claimed for the next run instead of waiting out the backoff.
            try? environment.store.write { [entry] db in try entry.update(db) }
            logger.warning("left for a later run after a transient failure", metadata: ["ferry.reason": "\(message)"])
            return
        }
        let delay = engine.retry.delay(attempt: attempts)
        entry.nextAttempt = Date().timeIntervalSince1970 + Double(delay.components.seconds)
        try? environment.store.write { [entry] db in try entry.update(db) }
        retryAt[entry.runID] = .now + delay
        logger.warning("will retry", metadata: ["ferry.reason": "\(message)", "ferry.retryIn": .stringConvertible(delay)])
        engine.observers.forEach { $0.transientFailure(stage: stage.name, file: entry.originalName, reason: message) }
    }


    /// Moves the input to `failed/<stage>/` with `<name>.error.txt` beside it.
    func quarantine(_ entry: inout JournalEntry, reason: String, logger: Logger) {
        guard let work = workFolder else { return }
        let folder = engine.failedFolder.appendingPathComponent(stage.name)
        do {
            try Durable.makeFolder(folder)
            if entry.state != .failing {
                // Room for `.error.txt` beside it, whatever the length of the delivered name.
                let name = Durable.candidateNames(
                    Durable.fitting(entry.originalName, reserve: ".error.txt".utf8.count + 4, limit: Durable.nameLimit(of: folder.path)),
                    limit: Durable.nameLimit(of: folder.path)).first {
                    !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
                        && !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0 + ".error.txt").path)
                }!
                entry.state = .failing
                entry.lastError = reason
                entry.destination = folder.path
                entry.destinationName = name
                try environment.store.write { [entry] db in try entry.update(db) }
                CrashPoint.hit("after-quarantine-record")
            }
            let input = work.appendingFile(entry.runID)
            let name = entry.destinationName ?? entry.originalName
            if FolderEntry.stat(folder: work.path, name: entry.runID) != nil {
                let text = """
                    ferry could not process this file.
                    stage:  \(stage.name) (task \(stage.task))
                    file:   \(entry.originalName)
                    when:   \(ISO8601DateFormatter().string(from: Date()))
                    reason: \(entry.lastError ?? reason)
                    what to do: fix the file (or the cause above), then run
                      ferry retry \(folder.appendingPathComponent(name).path)

                    """
                try Durable.write(Data(text.utf8), to: folder.appendingPathComponent(name + ".error.txt"))
                CrashPoint.hit("after-quarantine-reason")
                let placed = try Durable.place(input, into: folder, preferredName: name)
                entry.destinationName = placed.lastPathComponent
            }
            entry.state = .failed
            entry.finishedAt = Date().timeIntervalSince1970
            try environment.store.write { [entry] db in try entry.update(db) }
            let failedPath = folder.appendingPathComponent(entry.destinationName ?? name).path
            logger.error("quarantined", metadata: ["ferry.reason": "\(reason)", "ferry.failed": "\(failedPath)"])
            engine.observers.forEach { $0.fileQuarantined(stage: stage.name, file: entry.originalName, reason: entry.lastError ?? reason, failedPath: failedPath) }
            reportDepth()
        } catch {
            logger.error("cannot quarantine; will try again", metadata: ["ferry.reason": "\(error)"])
            retryAt[entry.runID] = .now + engine.retry.delay(attempt: 1)
        }
    }

    /// Tells the observers how many files wait and how many are claimed.
    private func reportDepth() {
        guard !engine.observers.isEmpty else { return }
        let waiting = candidates.count
        let claimed = ready.count + retryAt.count + (busy ? 1 : 0)
        engine.observers.forEach { $0.queueDepth(stage: stage.name, waiting: waiting, claimed: claimed) }
    }

    private func removeTemporaries(_ urls: [URL]) {
        for url in urls { unlink(url.path) }
    }

    // MARK: Recovery

    /// fsyncs the temporaries of committed runs. Commits deferred before a crash may not be on disk yet, nor
    /// their temporaries; the next durable write (of any stage) carries those commits to the disk, so their
    /// temporaries must get there first. ``Pipeline`` runs this for every stage before any stage recovers.
    func syncCommittedOutputs() {
        let stageName = stage.name
        let committed = (try? environment.store.read { db in
            try JournalEntry.filter(Column("stage") == stageName && Column("state") == JournalEntry.State.committed.rawValue).fetchAll(db)
        }) ?? []
        for entry in committed {
            for output in entry.decodedOutputs where FileManager.default.fileExists(atPath: output.temp) {
                try? Durable.sync(file: URL(fileURLWithPath: output.temp))
            }
        }
    }

    /// Finishes what a crash interrupted: committed runs are published, quarantines completed, claimed files
    /// re-run, stray temporaries removed, and files in the work area that never got a row adopted.
    func recover() {
        let stageName = stage.name
        let entries = (try? environment.store.read { db in
            try JournalEntry.filter(Column("stage") == stageName && [JournalEntry.State.claimed.rawValue, JournalEntry.State.committed.rawValue, JournalEntry.State.failing.rawValue].contains(Column("state")))
                .order(Column("id")).fetchAll(db)
        }) ?? []
        syncCommittedOutputs()
        var known = Set<String>()
        for var entry in entries {
            known.insert(entry.runID)
            switch entry.state {
            case .committed:
                do { try finishCommitted(&entry) } catch {
                    logger.error("cannot finish a committed run; will retry", metadata: ["ferry.reason": "\(Redaction.message(of: error))"])
                    scheduleFinishRetry(entry)
                }
            case .failing:
                quarantine(&entry, reason: entry.lastError ?? "quarantined before a restart", logger: logger)
            case .claimed where entry.originalName.isEmpty:
                entry.state = .abandoned
                entry.finishedAt = Date().timeIntervalSince1970
                try? environment.store.write { [entry] db in try entry.update(db) }
            case .claimed:
                if let work = workFolder, FolderEntry.stat(folder: work.path, name: entry.runID) != nil {
                    ready.append(entry.runID)
                } else {
                    // The crash came between the journal row and the rename: the file is still in the inbox.
                    let runID = entry.runID
                    _ = try? environment.store.write { db in
                        try JournalEntry.filter(Column("stage") == stageName && Column("runID") == runID).deleteAll(db)
                    }
                }
            default: break
            }
        }
        removeStrayTemporaries()
        if let work = workFolder, let orphans = try? FolderEntry.list(folder: work.path) {
            // Listing skips hidden names; run IDs are never hidden.
            for orphan in orphans where !known.contains(orphan.name) {
                let done = (try? environment.store.read { db in
                    try JournalEntry.filter(Column("stage") == stageName && Column("runID") == orphan.name).fetchOne(db)
                }) ?? nil
                if done == nil {
                    logger.warning("work file without a journal row: processing it", metadata: ["ferry.run": "\(orphan.name)"])
                    let entry = JournalEntry(stage: stageName, runID: orphan.name, originalName: orphan.name, folder: stage.watch?.path ?? "", state: .claimed, claimedAt: Date().timeIntervalSince1970)
                    try? environment.store.write { db in
                        var entry = entry
                        try entry.insert(db)
                    }
                    ready.append(orphan.name)
                }
            }
        }
        signal.notify()
    }

    /// Removes `.ferry-<run>-*.tmp` files in this stage's output folders whose run did not commit.
    private func removeStrayTemporaries() {
        let stageName = stage.name
        for folder in Set(stage.outputs.values) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names where name.hasPrefix(".ferry-") && name.hasSuffix(".tmp") {
                // `.ferry-<millis>-<random>-<name>.tmp`: the run ID is the first two dash-separated parts.
                let parts = name.dropFirst(".ferry-".count).split(separator: "-", maxSplits: 2)
                guard parts.count == 3 else { continue }
                let runID = "\(parts[0])-\(parts[1])"
                let committed = (try? environment.store.read { db in
                    try JournalEntry.filter(Column("stage") == stageName && Column("runID") == runID && Column("state") == JournalEntry.State.committed.rawValue).fetchCount(db)
                }) ?? 0
                let ours = (try? environment.store.read { db in
                    try JournalEntry.filter(Column("stage") == stageName && Column("runID") == runID).fetchCount(db)
                }) ?? 0
                if ours > 0, committed == 0 { unlink(folder.appendingPathComponent(name).path) }
            }
        }
    }
}

/// How the engine treats an error a task threw.
enum FailureClass: Equatable {
    case badInput, transient, unclassified

    init(_ error: any Error) {
        switch error {
        case let error as TaskError:
            if case .badInput = error { self = .badInput } else { self = .transient }
        case let error as any RetryClassifying:
            self = error.isTransient ? .transient : .badInput
        case is XMLWriteError:
            // An output could not be written (disk full): the place's fault, not the input's.
            self = .transient
        case is XMLError:
            self = .badInput
        case is Durable.Failure, is StateStoreError:
            self = .transient
        default:
            self = .unclassified
        }
    }
}

/// Engine-wide settings a runner needs.
struct EngineSettings: Sendable {
    var settle: Duration
    var retry: RetryPolicy
    var archiveRoot: URL
    var failedFolder: URL
    /// In a drain (`ferry run`), transient failures are retried this many times, then left for the next run.
    var drainAttempts: Int?
    /// Metrics, alerts, progress.
    var observers: [any PipelineObserver] = []

    /// `archive/YYYY-MM-DD/<stage>` for the local (Gregorian) day of `date`.
    func archiveFolder(for stage: String, at date: Date) -> URL {
        URL(fileURLWithPath: archiveFolderPath(for: stage, at: date), isDirectory: true)
    }

    /// ``archiveFolder(for:at:)`` as a path, built without `URL` (its appending showed in the burst profile).
    func archiveFolderPath(for stage: String, at date: Date) -> String {
        // localtime_r, not a DateFormatter or Calendar: a formatter per file cost 7.6 % of the engine's time in
        // the burst benchmark and a Calendar 2.8 %. Both read the same zone (TZ, else /etc/localtime).
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var day = tm()
        localtime_r(&seconds, &day)
        let name = String(format: "%04d-%02d-%02d", Int(day.tm_year) + 1900, Int(day.tm_mon) + 1, Int(day.tm_mday))
        return archiveRoot.path + "/" + name + "/" + stage
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

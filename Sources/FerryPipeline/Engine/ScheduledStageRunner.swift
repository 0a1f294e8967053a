import DurableFiles
import FerryState
import Foundation
import GRDB
import Logging

/// Runs one scheduled stage (`everySeconds`, `ferry download`): each tick runs the task with no input file; its
/// outputs and commit hooks commit together in one durable transaction and are published at once.
actor ScheduledStageRunner: StageRunning {
    let stage: StageConfig
    private let task: any ScheduledTask
    private let environment: TaskEnvironment
    private let engine: EngineSettings
    private let logger: Logger
    private let signal = Signal()
    private let publisher: Publisher
    private var outputNames = OutputNames()
    private var busy = false
    private var stopping = false
    private var due = false

    init(stage: StageConfig, task: any ScheduledTask, environment: TaskEnvironment, engine: EngineSettings) {
        self.stage = stage
        self.task = task
        self.environment = environment
        self.engine = engine
        self.publisher = Publisher(store: environment.store, workFolder: nil)
        var logger = environment.logger
        logger[metadataKey: "ferry.stage"] = "\(stage.name)"
        self.logger = logger
    }

    /// Runs a tick each time one is asked for, until ``stop()``; returns when the tick in hand is finished.
    func run() async {
        while !stopping {
            if due {
                due = false
                await tick()
                continue
            }
            await signal.wait(for: nil)
        }
        // Reset on the way out, not on entry: a stop that comes before the loop has started must still end it.
        stopping = false
    }

    func stop() {
        stopping = true
        signal.notify()
    }

    /// Asks for one run now.
    func trigger() {
        due = true
        signal.notify()
    }

    func isIdle(includingRetries: Bool) -> Bool { !busy && !due }

    func syncCommittedOutputs() async {
        let recovery = StageRecovery(stage: stage, store: environment.store)
        await BlockingPool.shared.perform { recovery.syncCommittedOutputs() }
    }

    /// Publishes the ticks a crash left committed and records the interrupted ones as abandoned: a tick is not
    /// re-run, the next one does its work. On the blocking pool: journal reads and writes, renames and fsyncs.
    func recover() async {
        let recovery = StageRecovery(stage: stage, store: environment.store)
        await BlockingPool.shared.perform { [publisher, logger] in
            for var entry in recovery.runs(in: [.claimed, .committed]) {
                if entry.state == .claimed {
                    recovery.abandon(entry)
                    continue
                }
                do { try publisher.publishAndArchive(&entry) } catch {
                    // The next start tries again: the journal keeps it committed.
                    logger.error("cannot publish a committed run", metadata: ["ferry.reason": "\(Redaction.message(of: error))"])
                }
            }
            recovery.removeStrayTemporaries()
        }
    }

    /// One scheduled run: the task, then one durable commit of its outputs and hooks, then publishing.
    private func tick() async {
        busy = true
        defer { busy = false }
        await publishCommittedRuns()
        let runID = FileStageRunner.newRunID()
        // Published, or failed: either way its names are free again.
        defer { outputNames.release(runID) }
        var entry = JournalEntry(
            stage: stage.name, runID: runID, originalName: "", folder: "", state: .claimed,
            claimedAt: Date().timeIntervalSince1970)
        let store = environment.store
        do {
            // The durable writes, fsyncs and renames of a tick block: on the blocking pool, not this actor's thread.
            entry = try await offload { [entry] in
                try store.write { [entry] db in
                    var entry = entry
                    try entry.insert(db)
                    return entry
                }
            }
        } catch {
            logger.error("cannot record the run", metadata: ["ferry.reason": "\(error)"])
            return
        }
        let context = TaskContext(
            environment: environment, logger: logger, outputFolders: stage.outputs, runID: runID,
            observers: engine.observers)
        let started = ContinuousClock.now
        do {
            try await task.run(context)
            let commit = try RunCommit(&entry, context: context, names: &outputNames, task: stage.task, engine: engine)
            try await offload {
                for output in commit.outputs { try Durable.sync(file: URL(filePath: output.temp, directoryHint: .notDirectory)) }
                try store.write(commit.record)
                CrashPoint.hit("after-commit")
            }
        } catch {
            context.discardOutputs()
            entry.state = .abandoned
            entry.lastError = Redaction.message(of: error)
            entry.finishedAt = Date().timeIntervalSince1970
            _ = try? await offload { [entry] in try store.write { [entry] db in try entry.update(db) } }
            report(error, reason: entry.lastError ?? "failed", seconds: (ContinuousClock.now - started).seconds, counters: context.counters)
            return
        }
        // Committed: the outputs and the hooks (a download's watermark) are durable together. From here a failure
        // must neither discard the outputs nor abandon the run, or the orders behind the moved watermark would be
        // lost: the run stays committed and the next tick (or the next start) publishes it.
        do {
            try await publish(entry)
            logger.info("scheduled run finished", metadata: ["ferry.counters": .dictionary(context.counters.mapValues { .stringConvertible($0) })])
            let seconds = (ContinuousClock.now - started).seconds
            engine.observers.forEach { $0.scheduledRunFinished(stage: stage.name, counters: context.counters, seconds: seconds, error: nil) }
        } catch {
            let reason = "committed, not yet published (the next run publishes it): \(Redaction.message(of: error))"
            report(error, reason: reason, seconds: (ContinuousClock.now - started).seconds, counters: context.counters)
        }
    }

    /// Publishes a committed run's outputs on the blocking pool and marks it done.
    private func publish(_ entry: JournalEntry) async throws {
        try await offload { [entry, publisher] in
            var entry = entry
            try publisher.publishAndArchive(&entry)
        }
    }

    /// Publishes the runs an earlier tick committed but could not publish (a full disk, a folder it could not
    /// write), before this tick adds its own: their outputs are durable and must reach their folders.
    private func publishCommittedRuns() async {
        let recovery = StageRecovery(stage: stage, store: environment.store)
        for entry in await BlockingPool.shared.perform({ recovery.runs(in: [.committed]) }) {
            do { try await publish(entry) } catch {
                logger.error("cannot publish a committed run; the next run tries again", metadata: [
                    "ferry.run": "\(entry.runID)", "ferry.reason": "\(Redaction.message(of: error))",
                ])
            }
        }
    }

    /// Shutdown (SIGTERM) or a reload (SIGHUP) cancels a download: not a failure. A transient one (the store
    /// down) is a warning that observers hear as such; anything else is an error.
    private func report(_ error: any Error, reason: String, seconds: Double, counters: [String: Int]) {
        if Task.isCancelled || error is CancellationError {
            logger.info("scheduled run interrupted; it runs again at the next start", metadata: ["ferry.reason": "\(reason)"])
        } else if FailureClass(error) == .transient {
            logger.warning("scheduled run failed; it runs again at the next interval", metadata: ["ferry.reason": "\(reason)"])
            engine.observers.forEach { $0.transientFailure(stage: stage.name, file: nil, reason: reason) }
        } else {
            logger.error("scheduled run failed; it runs again at the next interval", metadata: ["ferry.reason": "\(reason)"])
        }
        engine.observers.forEach { $0.scheduledRunFinished(stage: stage.name, counters: counters, seconds: seconds, error: reason) }
    }
}

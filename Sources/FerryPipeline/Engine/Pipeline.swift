import DurableFiles
public import FerryState
import FerryValues
import FileWatching
import Foundation
import GRDB
public import Logging
import Synchronization

/// The engine: every stage of a config, their folders, the state store. Knows nothing of Magento or Sage.
///
/// `ferry watch` calls ``watch()``; `ferry run` calls ``drain(stages:)``; `ferry download` calls
/// ``runScheduled(stage:)``.
public final class Pipeline: Sendable {
    /// The validated config.
    public let config: FerryConfig
    /// The shared state store.
    public let store: StateStore
    /// Every stage's runner, in config order.
    let runners: [any StageRunning]
    /// The file-triggered stages' runners.
    let fileRunners: [FileStageRunner]
    /// The scheduled stages' runners, by stage name.
    let scheduledRunners: [String: ScheduledStageRunner]
    let runnerByFolder: [String: FileStageRunner]
    let logger: Logger
    /// Wakes the one loop (watch or drain) waiting for ``stop()``.
    let stopSignal = Signal()
    private let stopped = Mutex(false)
    let observers: [any PipelineObserver]
    /// True while ``watch()`` runs its stages: work asked through the control socket joins them.
    let watching = Mutex(false)

    /// Opens the state store (applying every task's migrations) and builds each stage's task.
    ///
    /// - Parameter drainAttempts: in a drain, transient failures are retried this many times, then left.
    /// - Throws: ``PipelineError`` or ``StateStoreError`` naming what is wrong.
    ///   - observers: metrics, alerts and progress, told of every file and run.
    public init(
        config: FerryConfig, registry: TaskRegistry, logger: Logger, drainAttempts: Int? = nil,
        observers: [any PipelineObserver] = []
    ) throws {
        self.config = config
        self.logger = logger
        try Durable.makeFolder(config.stateStore.deletingLastPathComponent())
        store = try StateStore(path: config.stateStore.path, migrations: [JournalEntry.migration] + registry.migrations)
        // The journal keeps finished runs for 30 days (status and counters); unfinished ones until they finish.
        let cutoff = Date().timeIntervalSince1970 - 30 * 86_400
        _ = try? store.write { db in
            try db.execute(sql: "DELETE FROM pipeline_runs WHERE state IN ('done', 'failed', 'abandoned') AND finishedAt < ?", arguments: [cutoff])
        }
        let engine = EngineSettings(
            settle: config.settle, retry: config.retry, archiveRoot: config.archiveFolder,
            failedFolder: config.failedFolder, drainAttempts: drainAttempts, observers: observers)
        self.observers = observers
        var runners: [any StageRunning] = []
        var fileRunners: [FileStageRunner] = []
        var scheduledRunners: [String: ScheduledStageRunner] = [:]
        for stage in config.stages {
            guard let kind = registry.kinds[stage.task] else {
                throw PipelineError(.configuration, "\(stage.path).task: unknown task '\(stage.task)'")
            }
            var stageLogger = logger
            stageLogger[metadataKey: "ferry.stage"] = "\(stage.name)"
            let environment = TaskEnvironment(
                store: store, logger: stageLogger, root: config.root, stageName: stage.name, connections: config.connections)
            let settings = TaskSettings(json: stage.settings.data, path: "\(stage.path).settings")
            if let folder = stage.watch {
                let task = try Self.build(stage) { try kind.makeFileTask(settings, environment) }
                let runner = FileStageRunner(
                    stage: stage, folder: folder, task: task, overlapsFiles: kind.overlapsFiles, environment: environment,
                    engine: engine)
                fileRunners.append(runner)
                runners.append(runner)
            } else {
                let task = try Self.build(stage) { try kind.makeScheduledTask(settings, environment) }
                let runner = ScheduledStageRunner(stage: stage, task: task, environment: environment, engine: engine)
                scheduledRunners[stage.name] = runner
                runners.append(runner)
            }
        }
        self.runners = runners
        self.fileRunners = fileRunners
        self.scheduledRunners = scheduledRunners
        runnerByFolder = Dictionary(
            fileRunners.map { runner in (runner.folder.standardizedFileURL.path, runner) }, uniquingKeysWith: { first, _ in first })
    }

    /// Builds a stage's task, turning a settings error into a configuration error naming the stage.
    private static func build<Built>(_ stage: StageConfig, _ make: () throws -> Built) throws -> Built {
        do {
            return try make()
        } catch let error as PipelineError {
            throw error
        } catch let error as TaskSettingsError {
            throw PipelineError(.configuration, "stage '\(stage.name)': \(Redaction.message(of: error))")
        } catch {
            throw PipelineError(.configuration, "\(stage.path) (\(stage.name)): \(Redaction.message(of: error))")
        }
    }

    /// Asks ``watch()`` or ``drain(stages:)`` to finish: the file in hand completes, nothing new is claimed.
    public func stop() {
        stopped.withLock { $0 = true }
        stopSignal.notify()
    }

    var isStopped: Bool { stopped.withLock { $0 } }

    /// What a drain did.
    public struct DrainReport: Sendable {
        /// Inputs processed and archived.
        public var processed = 0
        /// Inputs quarantined in `failed/`.
        public var quarantined = 0
        /// Inputs left claimed after transient failures, for the next run.
        public var leftForLater = 0
        /// Counters the tasks reported (`orders.downloaded`, ...), summed.
        public var counters: [String: Int] = [:]

        /// The line `ferry run` prints.
        public var summary: String {
            "processed \(processed), quarantined \(quarantined), left for a later run \(leftForLater)"
        }
    }

    /// Processes everything pending in the chosen stages' folders, including what arrives meanwhile, then returns.
    ///
    /// - Parameter stages: stage names; nil for every file-triggered stage.
    public func drain(stages: Set<String>? = nil) async -> DrainReport {
        let started = Date().timeIntervalSince1970
        await recover()
        let chosen = fileRunners.filter { runner in stages?.contains(runner.stage.name) ?? true }
        await withTaskGroup(of: Void.self) { group in
            for runner in chosen { group.addTask { await runner.run() } }
            var quietRounds = 0
            while !isStopped {
                for runner in chosen {
                    await runner.handle(FolderEvent(folder: runner.folder.standardizedFileURL.path, name: nil, kind: .rescan))
                }
                var idle = true
                for runner in chosen where !(await runner.isIdle(includingRetries: true)) { idle = false }
                // Two quiet scans in a row: nothing pending, nothing arrived since.
                quietRounds = idle ? quietRounds + 1 : 0
                if quietRounds >= 2 { break }
                await stopSignal.wait(for: .milliseconds(idle ? 50 : 20))
            }
            for runner in chosen { await runner.stop() }
        }
        // Path units never run `ferry watch`: each drain does the clean-up (nothing to do is a few listings).
        await cleanUp()
        for observer in observers { await observer.flush() }
        return await report(stages: chosen.map(\.stage.name), since: started)
    }

    /// What the journal says of `names` since `started`: processed, quarantined, still claimed, counters.
    ///
    /// Every file still claimed counts as left for later, also one an earlier run claimed: the run took it up
    /// again and left it again (its store still down), and its exit status must say so.
    func report(stages names: [String], since started: Double) async -> DrainReport {
        var report = DrainReport()
        let entries = (try? await store.read { db in
            try JournalEntry.filter(
                names.contains(Column("stage"))
                    && (Column("claimedAt") >= started || Column("finishedAt") >= started
                        || Column("state") == JournalEntry.State.claimed.rawValue)
            ).fetchAll(db)
        }) ?? []
        for entry in entries {
            switch entry.state {
            case .done: report.processed += 1
            case .failed: report.quarantined += 1
            case .claimed: report.leftForLater += 1
            default: break
            }
            if let counters = entry.counters?.data(using: .utf8), let values = try? JSONDecoder().decode([String: Int].self, from: counters) {
                report.counters.merge(values, uniquingKeysWith: +)
            }
        }
        return report
    }

    /// Runs a scheduled stage once now (`ferry download`), returning its counters.
    /// - Throws: ``PipelineError`` when there is no such scheduled stage.
    public func runScheduled(stage name: String) async throws -> [String: Int] {
        guard let runner = scheduledRunners[name] else {
            let scheduled = runners.map { $0.stage }.filter { $0.watch == nil }.map(\.name)
            throw PipelineError(.configuration, "no scheduled stage named '\(name)': scheduled stages are \(scheduled.joined(separator: ", "))")
        }
        let started = Date().timeIntervalSince1970
        if watching.withLock({ $0 }) {
            // Asked through the control socket: the daemon's own loop for this stage runs it.
            await runner.trigger()
            while !(await runner.isIdle(includingRetries: false)) { try await Task.sleep(for: .milliseconds(10)) }
        } else {
            await runner.recover()
            let loop = Task { await runner.run() }
            await runner.trigger()
            while !(await runner.isIdle(includingRetries: false)) { try await Task.sleep(for: .milliseconds(10)) }
            await runner.stop()
            await loop.value
        }
        let entry = try await store.read { db in
            try JournalEntry.filter(Column("stage") == name && Column("claimedAt") >= started).order(Column("id").desc).fetchOne(db)
        }
        if let entry, entry.state == .abandoned {
            throw PipelineError(.operational, "\(name): \(entry.lastError ?? "failed")")
        }
        if let entry, entry.state == .committed {
            throw PipelineError(
                .operational,
                "\(name): the run committed its outputs but could not publish them (see the log); the next run or start publishes them")
        }
        guard let counters = entry?.counters?.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: Int].self, from: counters)) ?? [:]
    }

    /// The stage names in config order, with their trigger.
    public var stageNames: [(name: String, scheduled: Bool)] {
        runners.map { ($0.stage.name, $0.stage.watch == nil) }
    }

    func recover() async {
        // Every stage's committed outputs are synced before any stage's recovery writes to the journal.
        for runner in runners { await runner.syncCommittedOutputs() }
        for runner in runners { await runner.recover() }
    }

    func recordModes(_ modes: [String: WatchMode]) async {
        let rows = fileRunners.map { runner -> (String, String, String) in
            let path = runner.folder.standardizedFileURL.path
            return (path, runner.stage.name, modes[path].map { "\($0)" } ?? "inotify")
        }
        let now = Date().timeIntervalSince1970
        try? await store.write { db in
            try db.execute(sql: "DELETE FROM pipeline_folders")
            for (path, stage, mode) in rows {
                try db.execute(sql: "INSERT INTO pipeline_folders(path, stage, mode, updatedAt) VALUES (?, ?, ?, ?)", arguments: [path, stage, mode, now])
            }
        }
    }

    /// Zips and deletes what ``Housekeeping`` says is due, off the cooperative pool (zipping a day is file work).
    func cleanUp() async {
        let housekeeping = Housekeeping(config: config)
        guard housekeeping.isEnabled else { return }
        let logger = logger
        _ = try? await offload { housekeeping.clean(logger: logger) }
    }
}

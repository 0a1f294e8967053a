import DurableFiles
import FerryState
import FileWatching
public import Foundation
import GRDB

/// What `ferry status` shows: per stage, what waits, what runs, what failed and why, when it last succeeded.
public struct StatusReport: Codable, Sendable {
    /// One stage's figures.
    public struct Stage: Codable, Sendable {
        /// The stage's name.
        public var name: String
        /// Its task.
        public var task: String
        /// The folder it watches, or nil for a scheduled stage.
        public var folder: String?
        /// `inotify`, `poll every N ms` (as the running daemon set it up), or `schedule`.
        public var watchMode: String
        /// The same, structured for scripts.
        public var trigger: Trigger
        /// Files waiting in the folder.
        public var pending: Int
        /// Files claimed and not finished (running, or waiting for a retry).
        public var inProgress: Int
        /// Quarantined files with the first line of their reason.
        public var failed: [Failure]
        /// When a run last succeeded (ISO 8601), nil if never.
        public var lastSuccess: String?
        /// Runs finished successfully, all time.
        public var processed: Int
        /// The last transient error since the last success (the store down, say), if any.
        public var lastError: String?
        /// `degraded` while the stage meets transient failures (its files wait for a retry, or its scheduled
        /// run failed) and has not succeeded since; else `quarantined` while files wait in `failed/<stage>/` for
        /// a person; `ok` otherwise.
        public var health: String
        /// The task's counters summed over the journal's runs (`orders.downloaded`, `skus.uploaded`, ...): the
        /// same figures the metrics file exports.
        public var counters: [String: Int]
    }

    /// What starts a stage's work, structured (`watchMode` is the same as text).
    public struct Trigger: Codable, Sendable {
        /// `inotify`, `poll`, `schedule` (`everySeconds` inside `ferry watch`) or `on-demand` (`ferry download` only).
        public var mode: String
        /// The listing interval of a `poll` folder.
        public var intervalMilliseconds: Int?
        /// The interval of a `schedule` stage.
        public var everySeconds: Int?
        /// True when the running daemon polls a folder the config asked to watch with inotify (no inotify there).
        public var fellBack: Bool

        /// Reads a mode as `WatchMode` describes it (`inotify`, `poll every N ms`).
        init(folderMode text: String, configured: String) {
            let words = text.split(separator: " ")
            mode = words.first == "poll" ? "poll" : "inotify"
            intervalMilliseconds = mode == "poll" && words.count > 2 ? Int(words[2]) : nil
            fellBack = mode == "poll" && configured == "inotify"
        }

        init(everySeconds: Int?) {
            mode = everySeconds == nil ? "on-demand" : "schedule"
            self.everySeconds = everySeconds
            fellBack = false
        }
    }

    /// A quarantined file.
    public struct Failure: Codable, Sendable {
        /// The file in `failed/<stage>/`.
        public var file: String
        /// The first line of its reason.
        public var reason: String
    }

    /// The ferry that wrote the report (``FerryVersion/current``).
    public var version: String
    /// When the report was made (ISO 8601, UTC).
    public var generatedAt: String
    /// Every stage in config order.
    public var stages: [Stage]
    /// The archive: days, zipped days, the oldest, what the next clean-up zips and deletes.
    public var archive: Housekeeping.ArchiveSummary
    /// `failed/`: quarantined files, the oldest, what the next clean-up deletes.
    public var failed: Housekeeping.FailedSummary

    /// Reads the figures from the folders and the state store.
    public init(pipeline: Pipeline) throws {
        let config = pipeline.config
        let modes: [String: String] = (try? pipeline.store.read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT path, mode FROM pipeline_folders").map { ($0["path"] as String, $0["mode"] as String) }, uniquingKeysWith: { a, _ in a })
        }) ?? [:]
        let formatter = ISO8601DateFormatter()
        version = FerryVersion.current
        let now = Date()
        generatedAt = formatter.string(from: now)
        let survey = Housekeeping(config: config).survey(now: now)
        archive = survey.archive
        failed = survey.failed
        stages = try config.stages.map { stage in
            let name = stage.name
            let (inProgress, processed, last, lastError, counters) = try pipeline.store.read { db in
                let inProgress = try JournalEntry.filter(Column("stage") == name && [JournalEntry.State.claimed.rawValue, JournalEntry.State.committed.rawValue].contains(Column("state")) && Column("originalName") != "").fetchCount(db)
                let processed = try JournalEntry.filter(Column("stage") == name && Column("state") == JournalEntry.State.done.rawValue).fetchCount(db)
                let last = try Double.fetchOne(db, sql: "SELECT MAX(finishedAt) FROM pipeline_runs WHERE stage = ? AND state = 'done'", arguments: [name])
                // Only failures since the last success count: a stage that recovered is healthy again.
                let lastError = try String.fetchOne(
                    db,
                    sql: """
                        SELECT lastError FROM pipeline_runs WHERE stage = ? AND state IN ('claimed', 'abandoned')
                        AND lastError IS NOT NULL AND claimedAt >= COALESCE(?, 0) ORDER BY id DESC LIMIT 1
                        """,
                    arguments: [name, last])
                var counters: [String: Int] = [:]
                for text in try String.fetchAll(db, sql: "SELECT counters FROM pipeline_runs WHERE stage = ? AND state = 'done' AND counters IS NOT NULL", arguments: [name]) {
                    if let values = try? JSONDecoder().decode([String: Int].self, from: Data(text.utf8)) { counters.merge(values, uniquingKeysWith: +) }
                }
                return (inProgress, processed, last, lastError, counters)
            }
            let folder = stage.watch?.standardizedFileURL.path
            let pending = folder.flatMap { try? FolderEntry.list(folder: $0).filter { $0.kind != .directory }.count } ?? 0
            let failedFolder = config.failedFolder.appendingPathComponent(name)
            let failedNames = ((try? FileManager.default.contentsOfDirectory(atPath: failedFolder.path)) ?? [])
                .filter { !$0.hasSuffix(".error.txt") && !$0.hasPrefix(".") }.sorted()
            let failures = failedNames.map { file -> Failure in
                let text = (try? String(contentsOf: failedFolder.appendingPathComponent(file + ".error.txt"), encoding: .utf8)) ?? ""
                let reason = text.split(separator: "\n").first { $0.hasPrefix("reason:") }
                    .map { $0.dropFirst("reason:".count).trimmingCharacters(in: .whitespaces) } ?? "(no reason file)"
                return Failure(file: failedFolder.appendingPathComponent(file).path, reason: Redaction.scrub(reason))
            }
            let configured = folder.map { "\(config.mode(of: URL(fileURLWithPath: $0)))" }
            let every = stage.every.map { Int($0.components.seconds) }
            let trigger = folder.map { Trigger(folderMode: modes[$0] ?? configured ?? "inotify", configured: configured ?? "inotify") } ?? Trigger(everySeconds: every)
            return Stage(
                name: name, task: stage.task, folder: folder,
                watchMode: folder.map { modes[$0] ?? configured ?? "inotify" } ?? (every.map { "schedule every \($0) s" } ?? "on demand"),
                trigger: trigger,
                pending: pending, inProgress: inProgress, failed: failures,
                lastSuccess: last.map { formatter.string(from: Date(timeIntervalSince1970: $0)) }, processed: processed,
                lastError: lastError.map(Redaction.scrub), health: lastError != nil ? "degraded" : failures.isEmpty ? "ok" : "quarantined", counters: counters.filter { $0.value != 0 })
        }
    }

    /// A table for a terminal.
    public var text: String {
        var lines: [String] = []
        for stage in stages {
            lines.append("\(stage.name) (\(stage.task))" + (stage.health == "ok" ? "" : " " + stage.health.uppercased()))
            if let folder = stage.folder { lines.append("  folder:      \(folder) [\(stage.watchMode)]") } else { lines.append("  trigger:     \(stage.watchMode)") }
            lines.append("  pending:     \(stage.pending)   in progress: \(stage.inProgress)   processed: \(stage.processed)   failed: \(stage.failed.count)")
            lines.append("  last success: \(stage.lastSuccess ?? "never")")
            if !stage.counters.isEmpty {
                lines.append("  counts:      " + stage.counters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if let error = stage.lastError { lines.append("  last error:  \(error)") }
            for failure in stage.failed.prefix(10) { lines.append("  failed: \(FileNameBytes.display(failure.file)): \(failure.reason)") }
            if stage.failed.count > 10 { lines.append("  ... and \(stage.failed.count - 10) more in the failed folder") }
        }
        lines += housekeepingText
        return lines.joined(separator: "\n")
    }
}

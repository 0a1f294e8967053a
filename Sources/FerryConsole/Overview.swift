import FerryPipeline
import FerryState
import Foundation
import GRDB

/// The overview page's figures: `ferry status`'s report per stage, plus what was processed today, the download
/// watermarks and when each scheduled stage runs next.
///
/// Read through the state store's read path (a snapshot on a reader connection: the engine's writer never waits
/// for it) and by listing the folders; blocking, so the server calls it off the cooperative pool.
struct Overview: Sendable, Encodable {
    /// One stage's row.
    struct Stage: Sendable, Encodable {
        var name: String
        var task: String
        var watchMode: String
        var pending: Int
        var inProgress: Int
        var processedToday: Int
        var quarantined: Int
        var lastSuccess: String
        var lastError: String
        var health: String
    }

    /// Where a download continues from.
    struct Watermark: Sendable, Encodable {
        var scope: String
        var updatedAt: String
    }

    /// A scheduled stage's last and next run.
    struct Schedule: Sendable, Encodable {
        var stage: String
        var every: String
        var lastRun: String
        var nextRun: String
    }

    var generatedAt: String
    var stages: [Stage]
    var watermarks: [Watermark]
    var schedules: [Schedule]
    /// The worst health of all stages: `ok`, `quarantined` or `degraded`.
    var health: String

    /// Reads the figures now.
    /// - Throws: ``StateStoreError`` when the state store cannot be read.
    static func read(pipeline: Pipeline) throws -> Overview {
        let report = try StatusReport(pipeline: pipeline)
        let midnight = Calendar.current.startOfDay(for: Date()).timeIntervalSince1970
        let (today, lastTicks, watermarks) = try pipeline.store.read { db in
            let today = try Row.fetchAll(
                db, sql: "SELECT stage, COUNT(*) AS n FROM pipeline_runs WHERE state = 'done' AND finishedAt >= ? GROUP BY stage",
                arguments: [midnight])
            let ticks = try Row.fetchAll(db, sql: "SELECT stage, MAX(claimedAt) AS at FROM pipeline_runs WHERE originalName = '' GROUP BY stage")
            let marks = try db.tableExists("magento_download_watermark")
                ? try Row.fetchAll(db, sql: "SELECT scope, updated_at FROM magento_download_watermark ORDER BY scope") : []
            return (
                Dictionary(today.map { ($0["stage"] as String, $0["n"] as Int) }, uniquingKeysWith: +),
                Dictionary(ticks.map { ($0["stage"] as String, $0["at"] as Double) }, uniquingKeysWith: max),
                marks.map { Watermark(scope: $0["scope"], updatedAt: $0["updated_at"]) })
        }
        let stages = report.stages.map { stage in
            Stage(
                name: stage.name, task: stage.task, watchMode: stage.watchMode, pending: stage.pending, inProgress: stage.inProgress,
                processedToday: today[stage.name] ?? 0, quarantined: stage.failed.count, lastSuccess: stage.lastSuccess ?? "never",
                lastError: stage.lastError ?? "", health: stage.health)
        }
        let schedules = pipeline.config.stages.compactMap { stage -> Schedule? in
            guard stage.watch == nil, let every = stage.every else { return nil }
            let seconds = Double(every.components.seconds)
            let last = lastTicks[stage.name]
            return Schedule(
                stage: stage.name, every: "every \(Int(seconds)) s", lastRun: last.map(Self.time) ?? "never",
                nextRun: last.map { Self.time(max($0 + seconds, Date().timeIntervalSince1970)) } ?? "at the start of ferry watch")
        }
        let health = stages.contains { $0.health == "degraded" } ? "degraded" : stages.contains { $0.health == "quarantined" } ? "quarantined" : "ok"
        return Overview(
            generatedAt: report.generatedAt, stages: stages, watermarks: watermarks, schedules: schedules, health: health)
    }

    /// ISO 8601 in UTC, as `ferry status` writes times.
    static func time(_ seconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds))
    }

    /// The figures as one server-sent event (the page's script puts each into its cell).
    var event: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: overview\ndata: \(json)\n\n"
    }
}

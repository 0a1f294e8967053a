import FerryState
import FerryValues
import Foundation
import GRDB

/// The engine's durable record of every run: a file claimed, committed, archived or quarantined, or a
/// scheduled tick. Recovery after a crash reads it to finish or redo exactly what was interrupted.
struct JournalEntry: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "pipeline_runs"

    enum State: String, Codable, Sendable {
        /// The input is in the work area (or a tick started); the task has not committed.
        case claimed
        /// Outputs and hooks are committed; renames and the archive move may still be pending.
        case committed
        /// Being moved to `failed/` with its reason.
        case failing
        /// Finished: outputs visible, input archived.
        case done
        /// Quarantined in `failed/`.
        case failed
        /// A scheduled tick that did not commit (its temporaries were removed).
        case abandoned
    }

    var id: Int64?
    var stage: String
    var runID: String
    var originalName: String
    var folder: String
    var state: State
    var attempts: Int = 0
    var nextAttempt: Double?
    var lastError: String?
    var outputs: String?
    var destination: String?
    var destinationName: String?
    var counters: String?
    var claimedAt: Double
    var finishedAt: Double?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Writes every column of this (inserted) row with one cached statement: `update(_:)` builds its SQL
    /// each time, which showed in the burst profile where every file is updated twice.
    func save(_ db: Database) throws {
        guard let id else { throw PipelineError(.internal, "journal row \(runID) of stage \(stage) was never inserted") }
        let statement = try db.cachedStatement(sql: """
            UPDATE pipeline_runs SET state = ?, attempts = ?, nextAttempt = ?, lastError = ?, outputs = ?,
              destination = ?, destinationName = ?, counters = ?, finishedAt = ? WHERE id = ?
            """)
        try statement.execute(arguments: [
            state.rawValue, attempts, nextAttempt, lastError, outputs, destination, destinationName, counters, finishedAt, id,
        ])
    }

    /// Inserts this new row (a file just claimed) with one cached statement: `insert(_:)` encodes the record
    /// through `Codable` and was half of a burst's claiming.
    mutating func claim(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO pipeline_runs (stage, runID, originalName, folder, state, attempts, claimedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [stage, runID, originalName, folder, state.rawValue, attempts, claimedAt])
        id = db.lastInsertedRowID
    }

    /// An output committed by a run: its temporary file and final place.
    struct Output: Codable, Sendable {
        var temp: String
        var folder: String
        var name: String
    }

    /// `outputs` for a commit: the JSON `JSONEncoder` would write for `[Output]`, built by hand because
    /// `JSONEncoder` was 3 % of a burst's time (two encoders per file). Read back with `JSONDecoder`.
    static func encode(_ outputs: [Output]) -> String {
        var json = JSONBytes()
        json.append("[")
        for (index, output) in outputs.enumerated() {
            json.append(index == 0 ? "{\"temp\":" : ",{\"temp\":")
            json.appendString(output.temp)
            json.append(",\"folder\":")
            json.appendString(output.folder)
            json.append(",\"name\":")
            json.appendString(output.name)
            json.append("}")
        }
        json.append("]")
        return json.text
    }

    /// `counters` for a commit, as ``encode(_:)-([Output])`` does it; keys sorted.
    static func encode(_ counters: [String: Int]) -> String {
        var json = JSONBytes()
        json.append("{")
        for (index, counter) in counters.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { json.append(",") }
            json.appendString(counter.key)
            json.append(":")
            json.append(String(counter.value))
        }
        json.append("}")
        return json.text
    }

    /// JSON text as UTF-8 bytes, made a `String` once: appending to a `String` piece by piece cost about 370
    /// instructions a piece, half of a burst's commit preparation on the stage's actor (#18).
    private struct JSONBytes {
        private var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(256) }

        mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

        /// `text` as a JSON string literal (RFC 8259: quote, backslash and control characters escaped).
        mutating func appendString(_ text: String) {
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: LineEscaping.json.escaped(text).utf8)
            bytes.append(UInt8(ascii: "\""))
        }

        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    var decodedOutputs: [Output] {
        guard let outputs, let data = outputs.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([Output].self, from: data)) ?? []
    }

    static let migration = StateMigration("pipeline.v1") { db in
        try db.create(table: databaseTableName) { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("stage", .text).notNull()
            t.column("runID", .text).notNull()
            t.column("originalName", .text).notNull()
            t.column("folder", .text).notNull()
            t.column("state", .text).notNull()
            t.column("attempts", .integer).notNull().defaults(to: 0)
            t.column("nextAttempt", .double)
            t.column("lastError", .text)
            t.column("outputs", .text)
            t.column("destination", .text)
            t.column("destinationName", .text)
            t.column("counters", .text)
            t.column("claimedAt", .double).notNull()
            t.column("finishedAt", .double)
            t.uniqueKey(["stage", "runID"])
        }
        try db.create(index: "pipeline_runs_by_state", on: databaseTableName, columns: ["stage", "state"])
        try db.create(table: "pipeline_folders") { t in
            t.primaryKey("path", .text)
            t.column("stage", .text).notNull()
            t.column("mode", .text).notNull()
            t.column("updatedAt", .double).notNull()
        }
    }
}

import FerryPipeline
import FerryState
import Foundation
import GRDB

/// The runs page: each stage's latest runs from the journal (file or scheduled tick, state, duration, counters,
/// outputs), and the stock sync's last upload per SKU.
struct RecentRuns: Sendable, Encodable {
    /// How many runs per stage the page shows.
    static let perStage = 25
    /// How many SKUs the stock table shows (the latest uploads).
    static let skuLimit = 200

    struct Run: Sendable, Encodable {
        var input: String
        var state: String
        var started: String
        var duration: String
        var counters: String
        var outputs: String
        var error: String
    }

    struct Stage: Sendable, Encodable {
        var name: String
        var runs: [Run]
        var hasRuns: Bool
    }

    struct StockUpload: Sendable, Encodable {
        var scope: String
        var sku: String
        var quantity: String
        var inStock: String
        var uploadedAt: String
    }

    var stages: [Stage]
    var stock: [StockUpload]
    var hasStock: Bool

    /// Reads the journal and the stock table through the state store's read path.
    static func read(pipeline: Pipeline) throws -> RecentRuns {
        let names = pipeline.config.stages.map(\.name)
        return try pipeline.store.read { db in
            let stages = try names.map { name in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT originalName, state, claimedAt, finishedAt, counters, outputs, lastError FROM pipeline_runs
                        WHERE stage = ? ORDER BY id DESC LIMIT ?
                        """,
                    arguments: [name, perStage])
                let runs = rows.map { row in
                    let claimed: Double = row["claimedAt"]
                    let finished: Double? = row["finishedAt"]
                    let input: String = row["originalName"]
                    return Run(
                        input: input.isEmpty ? "(scheduled run)" : input, state: row["state"], started: Overview.time(claimed),
                        duration: finished.map { String(format: "%.2f s", max(0, $0 - claimed)) } ?? "",
                        counters: counters(row["counters"]), outputs: outputs(row["outputs"]),
                        error: (row["lastError"] as String?).map(Redaction.scrub) ?? "")
                }
                return Stage(name: name, runs: runs, hasRuns: !runs.isEmpty)
            }
            var stock: [StockUpload] = []
            if try db.tableExists("magento_stock_level") {
                stock = try Row.fetchAll(
                    db, sql: "SELECT scope, sku, qty, is_in_stock, uploaded_at FROM magento_stock_level ORDER BY uploaded_at DESC, sku LIMIT ?",
                    arguments: [skuLimit]
                ).map { row in
                    StockUpload(
                        scope: row["scope"], sku: row["sku"], quantity: row["qty"], inStock: (row["is_in_stock"] as Int) != 0 ? "yes" : "no",
                        uploadedAt: row["uploaded_at"])
                }
            }
            return RecentRuns(stages: stages, stock: stock, hasStock: !stock.isEmpty)
        }
    }

    /// `{"orders.mapped":3}` as `orders.mapped 3`.
    static func counters(_ json: String?) -> String {
        guard let data = json?.data(using: .utf8), let values = try? JSONDecoder().decode([String: Int].self, from: data) else { return "" }
        return values.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// The journal's outputs (`[{"temp":..,"folder":..,"name":..}]`) as `folder/name` lines.
    static func outputs(_ json: String?) -> String {
        struct Output: Decodable { var folder: String; var name: String }
        guard let data = json?.data(using: .utf8), let list = try? JSONDecoder().decode([Output].self, from: data) else { return "" }
        return list.map { URL(fileURLWithPath: $0.folder).lastPathComponent + "/" + $0.name }.joined(separator: "\n")
    }
}

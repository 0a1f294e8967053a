import FerryPipeline
import FerryState
import Foundation
import GRDB

/// Where an order is: what the ledgers in the state store say about it, and the files (archived, quarantined,
/// waiting in an output folder) that mention it, newest first.
///
/// The ledgers are the ones the stages keep (`sage_ledger`, `order_refusal`, `sage200_orders`,
/// `magento_emitted_order`, `magento_comment_ledger`); a table a workflow does not use is skipped. An e-mail or a name is in no ledger:
/// the files find it, and their increment ids then find the ledger rows.
struct OrderSearch: Sendable, Encodable {
    /// One fact from a ledger.
    struct Fact: Sendable, Encodable {
        var step: String
        var detail: String
        var at: String
    }

    /// One file that mentions the order.
    struct FileHit: Sendable, Encodable {
        var place: String
        var stage: String
        var name: String
        var path: String
        var pathQuery: String
        var modified: String
    }

    /// How many files a search reads at most (the newest), the largest it reads, and how many bytes in all: a
    /// search stays quick whatever the archive holds.
    static let fileLimit = 5_000
    static let sizeLimit = 8 << 20
    static let byteBudget = 256 << 20

    var term: String
    var facts: [Fact]
    var files: [FileHit]
    /// True when more files exist than were read.
    var truncated: Bool

    /// Searches for `term` (an increment id, an entity id, a Sage order number, an e-mail or a name).
    static func run(_ term: String, pipeline: Pipeline) throws -> OrderSearch {
        let term = term.trimmingCharacters(in: .whitespacesAndNewlines)
        let (files, truncated) = scan(for: term, config: pipeline.config)
        // A name or an e-mail is only in files: the order it belongs to (the increment id before it in a downloaded
        // order file) is searched in the ledgers as well.
        var keys = [term]
        if !term.allSatisfy(\.isNumber) {
            keys += files.prefix(20).compactMap { hit -> String? in
                guard let data = FileManager.default.contents(atPath: hit.path) else { return nil }
                return incrementId(before: term, in: String(decoding: data.prefix(sizeLimit), as: UTF8.self))
            }
        }
        let unique = Array(NSOrderedSet(array: keys).compactMap { $0 as? String })
        let facts = try pipeline.store.read { db in try unique.flatMap { try ledgerFacts(for: $0, db: db) } }
        return OrderSearch(term: term, facts: facts, files: files, truncated: truncated)
    }

    /// The ledgers' rows for one key, as steps a person reads.
    static func ledgerFacts(for key: String, db: Database) throws -> [Fact] {
        var facts: [Fact] = []
        if try db.tableExists("magento_emitted_order") {
            for row in try Row.fetchAll(
                db, sql: "SELECT entity_id, increment_id, emitted_at FROM magento_emitted_order WHERE increment_id = ? OR CAST(entity_id AS TEXT) = ? ORDER BY emitted_at",
                arguments: [key, key])
            {
                facts.append(Fact(step: "downloaded", detail: "order \(row["increment_id"] as String? ?? "?") (entity \(row["entity_id"] as Int64))", at: row["emitted_at"]))
            }
        }
        if try db.tableExists("sage_ledger") {
            for row in try Row.fetchAll(
                db, sql: "SELECT profile, external_id, external_ref, internal_id, created, modified FROM sage_ledger WHERE external_id = ? OR external_ref = ? OR internal_id = ?",
                arguments: [key, key, key])
            {
                let order = "order \(row["external_ref"] as String? ?? "?") (entity \(row["external_id"] as String))"
                facts.append(Fact(step: "in the Sage outbox", detail: "\(order), profile \(row["profile"] as String)", at: row["created"]))
                if let number = row["internal_id"] as String? {
                    facts.append(Fact(step: "imported by Sage", detail: "\(order) as Sage order \(number)", at: row["modified"]))
                }
            }
        }
        if try db.tableExists("order_refusal") {
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM order_refusal WHERE external_id = ? OR external_ref = ? ORDER BY refused_at, rowid",
                arguments: [key, key])
            {
                let refusal = Refusal(row)
                facts.append(Fact(step: "refused by \(refusal.refusedBy)", detail: "\(refusal.order): \(refusal.reason) (stage \(refusal.stage), file \(refusal.file))", at: refusal.at))
            }
        }
        if try db.tableExists("sage200_orders") {
            for row in try Row.fetchAll(
                db, sql: "SELECT external_id, increment_id, state, document_no, modified FROM sage200_orders WHERE external_id = ? OR increment_id = ? OR document_no = ?",
                arguments: [key, key, key])
            {
                let number = (row["document_no"] as String?).map { " as \($0)" } ?? ""
                facts.append(Fact(step: "Sage 200: \(row["state"] as String)", detail: "order \(row["increment_id"] as String)\(number)", at: row["modified"]))
            }
        }
        if try db.tableExists("magento_comment_ledger") {
            for row in try Row.fetchAll(
                db, sql: "SELECT increment_id, comment, status, state, changed_at FROM magento_comment_ledger WHERE increment_id = ? OR CAST(entity_id AS TEXT) = ? ORDER BY changed_at",
                arguments: [key, key])
            {
                let status = (row["status"] as String?).map { ", status \($0)" } ?? ""
                facts.append(Fact(step: "comment \(row["state"] as String)", detail: "on order \(row["increment_id"] as String): \(row["comment"] as String)\(status)", at: row["changed_at"]))
            }
        }
        // One order's journey in time order (a refusal, then the order sent again and imported), in one time
        // format: Magento's ledgers write `2026-11-30 10:25:25` (UTC), the others ISO 8601. Ties keep the order
        // of the steps above.
        for index in facts.indices { facts[index].at = isoTime(facts[index].at) }
        return facts.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// A Magento ledger time (`yyyy-MM-dd HH:mm:ss`, UTC) as ISO 8601 (`yyyy-MM-ddTHH:mm:ssZ`); others as they are.
    static func isoTime(_ text: String) -> String {
        guard text.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"#, options: .regularExpression) != nil else { return text }
        return text.replacingOccurrences(of: " ", with: "T") + "Z"
    }

    /// An order a stage refused on its way to Sage (`order_refusal`, written by the stage that refused it).
    struct Refusal: Sendable, Encodable {
        var order: String
        var orderQuery: String
        var refusedBy: String
        var reason: String
        var stage: String
        var file: String
        var at: String

        init(_ row: Row) {
            let id: String = row["external_id"]
            let ref: String = row["external_ref"]
            order = ref.isEmpty ? "entity \(id)" : id.isEmpty ? "order \(ref)" : "order \(ref) (entity \(id))"
            orderQuery = ConsoleService.queryValue(ref.isEmpty ? id : ref)
            refusedBy = row["refused_by"]
            reason = row["reason"]
            stage = row["stage"]
            file = row["file"]
            at = row["refused_at"]
        }
    }

    /// How many refusals the Orders page lists before a search.
    static let recentRefusalLimit = 50

    /// The latest refusals, newest first: what the Orders page shows before a search.
    static func recentRefusals(pipeline: Pipeline) throws -> [Refusal] {
        try pipeline.store.read { db in
            guard try db.tableExists("order_refusal") else { return [] }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM order_refusal ORDER BY refused_at DESC, rowid DESC LIMIT ?", arguments: [recentRefusalLimit]
            ).map(Refusal.init)
        }
    }

    /// The files of ferry's folders that mention `term`, newest first. A number must stand alone (`>17<`,
    /// `"17"`, `,17,`), so entity id 17 does not find order 1700; text is matched ignoring case.
    static func scan(for term: String, config: FerryConfig) -> ([FileHit], Bool) {
        guard term.count >= 2 else { return ([], false) }
        var candidates: [(place: String, stage: String, file: (name: String, path: String, modified: Double, size: Int))] = []
        let archive = config.archiveFolder.path
        for day in ((try? FileManager.default.contentsOfDirectory(atPath: archive)) ?? []).sorted(by: >).prefix(62) {
            for stage in (try? FileManager.default.contentsOfDirectory(atPath: archive + "/" + day)) ?? [] {
                candidates += FerryFolders.files(in: archive + "/" + day + "/" + stage).map { ("archive", stage, $0) }
            }
        }
        for stage in config.stages {
            candidates += FerryFolders.files(in: config.failedFolder.appendingPathComponent(stage.name).path).map { ("failed", stage.name, $0) }
            for (name, folder) in stage.outputs.sorted(by: { $0.key < $1.key }) {
                candidates += FerryFolders.files(in: folder.path).map { ("output \(name)", stage.name, $0) }
            }
        }
        candidates.sort { $0.file.modified > $1.file.modified }
        let needles = needles(for: term)
        var budget = byteBudget
        let hits = candidates.prefix(fileLimit).filter { candidate in
            guard candidate.file.size <= sizeLimit, candidate.file.size <= budget, !candidate.file.name.hasSuffix(".dismissed.txt"),
                let data = FileManager.default.contents(atPath: candidate.file.path)
            else { return false }
            budget -= data.count
            let text = String(decoding: data, as: UTF8.self)
            return needles.contains { text.range(of: $0, options: .caseInsensitive) != nil }
        }
        return (
            hits.map { FileHit(
                place: $0.place, stage: $0.stage, name: $0.file.name, path: $0.file.path, pathQuery: ConsoleService.queryValue($0.file.path), modified: Overview.time($0.file.modified)) },
            candidates.count > fileLimit || budget < sizeLimit
        )
    }

    static func needles(for term: String) -> [String] {
        guard term.allSatisfy(\.isNumber) else { return [term] }
        return [">\(term)<", "\"\(term)\"", ",\(term),", ",\(term)\n", "\n\(term),"]
    }

    /// The `<increment_id>` of the order element holding `term`: the last one before its first occurrence.
    static func incrementId(before term: String, in text: String) -> String? {
        guard let found = text.range(of: term, options: .caseInsensitive),
            let start = text.range(of: "<increment_id>", options: .backwards, range: text.startIndex..<found.lowerBound),
            let end = text.range(of: "</increment_id>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }
}

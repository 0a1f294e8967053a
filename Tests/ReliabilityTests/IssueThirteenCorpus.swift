import Foundation

/// The entries of issue #13 in the hostile corpus, and the table that says what became of each.
///
/// The name and writer entries are files the corpus test delivers beside the others (valid orders, so
/// "processed" means their orders reached the Sage outbox); the entries that are not a file in an inbox (a second
/// process, a success file checked against the ledger, a stale metrics temporary, a config) are listed with the
/// test that shows their outcome.
enum IssueThirteen {
    /// The corpus files for #13's names, slow writer and truncated document, all in the order stage.
    static func cases() -> [CorpusCase] {
        func order(_ id: Int) -> @Sendable (URL) throws -> Void { Corpus.write(CorpusStage.orders.document(id: id)) }
        return [
            CorpusCase(
                stage: "orders", name: "bad-\\xFF\\xFE.xml", expected: .processed, make: order(8001),
                bytes: Array("bad-".utf8) + [0xFF, 0xFE] + Array(".xml".utf8)),
            CorpusCase(stage: "orders", name: "new\nline.xml", expected: .processed, make: order(8002)),
            CorpusCase(stage: "orders", name: "-leading-dash.xml", expected: .processed, make: order(8003)),
            CorpusCase(
                stage: "orders", name: String(repeating: "n", count: 251) + ".xml", expected: .processed, make: order(8004)),
            CorpusCase(
                stage: "orders", name: String(repeating: "o", count: 236) + ".xml", expected: .processed, make: order(8005)),
            CorpusCase(
                stage: "orders", name: "slow-writer.xml", expected: .processed, make: order(8006), inPlaceChunks: 20),
        ]
    }

    /// One row of the #13 table: the entry, what became of it, and the test that shows it.
    struct Entry {
        var item: String
        var entry: String
        /// The corpus file whose outcome this is; nil when another test shows it.
        var corpusName: String?
        var outcome: String
        var shownBy: String
    }

    static let entries: [Entry] = [
        Entry(
            item: "13.1", entry: "a second ferry (run, watch) on the same tree", corpusName: nil,
            outcome: "exits 75 naming the PID, or the daemon does the work; no order lost",
            shownBy: "OneFerryTests, crash harness (concurrent ferry run)"),
        Entry(
            item: "13.2", entry: "\"already imported as N\" fail records", corpusName: nil,
            outcome: "a success with Sage number N: commented once, kept in the ledger",
            shownBy: "AlreadyImportedTests, SageCrashTests"),
        Entry(
            item: "13.3", entry: "255-byte name", corpusName: String(repeating: "n", count: 251) + ".xml",
            outcome: "processed", shownBy: "corpus, LongNameTests"),
        Entry(
            item: "13.3", entry: "240-byte name (over 239)", corpusName: String(repeating: "o", count: 236) + ".xml",
            outcome: "processed", shownBy: "corpus, LongNameTests"),
        Entry(
            item: "13.4", entry: "invalid UTF-8 name", corpusName: "bad-\\xFF\\xFE.xml",
            outcome: "processed under its escaped name", shownBy: "corpus, OddNameTests"),
        Entry(
            item: "13.4", entry: "newline in the name", corpusName: "new\nline.xml", outcome: "processed",
            shownBy: "corpus, OddNameTests"),
        Entry(
            item: "13.4", entry: "leading dash", corpusName: "-leading-dash.xml", outcome: "processed",
            shownBy: "corpus, OddNameTests"),
        Entry(
            item: "13.5", entry: "slow in-place writer (20 chunks, descriptor held open)", corpusName: "slow-writer.xml",
            outcome: "processed, never quarantined", shownBy: "corpus, SlowWriterTests"),
        Entry(
            item: "13.5", entry: "truncated document", corpusName: "orders-truncated.xml",
            outcome: "quarantined in every stage as \"truncated: the document ends at line L before </Root> closes\"",
            shownBy: "corpus, SlowWriterTests"),
        Entry(
            item: "13.6", entry: "SIGTERM with a long task in hand", corpusName: nil,
            outcome: "stops at a safe point within seconds; the rest after the restart",
            shownBy: "StopTimeTests (WorkflowTests)"),
        Entry(
            item: "13.7", entry: "two success records for one order, different Sage numbers", corpusName: nil,
            outcome: "neither number believed: reported with both, no comment", shownBy: "SuccessCheckTests"),
        Entry(
            item: "13.7", entry: "empty and non-numeric SalesOrderNumber", corpusName: nil,
            outcome: "reported, no comment posted", shownBy: "SuccessCheckTests"),
        Entry(
            item: "13.8", entry: "stale .ferry.prom.<pid>.tmp of a dead process", corpusName: nil,
            outcome: "removed at start", shownBy: "MetricsSharingTests"),
        Entry(
            item: "13.8", entry: "two stages writing different kinds into one folder", corpusName: nil,
            outcome: "refused by check-config, exit 78", shownBy: "OutputKindTests"),
    ]

    /// The per-entry table: every corpus file with its expected and actual outcome and the first line of its
    /// reason, then every #13 entry with its outcome.
    static func table(cases: [CorpusCase], outcome: (CorpusCase) -> String, reason: (CorpusCase) -> String) -> String {
        func shown(_ name: String) -> String {
            let escaped = name.replacingOccurrences(of: "\n", with: "\\n")
            return escaped.count > 48 ? "\(escaped.prefix(20))...(\(name.utf8.count) bytes)" : escaped
        }
        var lines = ["| corpus entry | expected | outcome | reason |", "| --- | --- | --- | --- |"]
        for item in cases {
            lines.append("| \(item.stage)/\(shown(item.name)) | \(item.expected) | \(outcome(item)) | \(reason(item)) |")
        }
        lines += ["", "| #13 | entry | outcome | shown by |", "| --- | --- | --- | --- |"]
        for entry in entries {
            let actual = entry.corpusName.flatMap { name in cases.first { $0.name == name } }.map(outcome)
            let text = actual.map { "\($0) (\(entry.outcome))" } ?? entry.outcome
            lines.append("| \(entry.item) | \(entry.entry) | \(text) | \(entry.shownBy) |")
        }
        return lines.joined(separator: "\n")
    }

    /// Renames `hidden` to the raw bytes `name` in `folder` (a name that need not be UTF-8).
    static func rename(_ hidden: URL, toBytes name: [UInt8], in folder: URL) throws {
        let target = Array(folder.path.utf8) + [UInt8(ascii: "/")] + name + [0]
        let renamed = target.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { Glibc.rename(hidden.path, $0.baseAddress!) }
        }
        guard renamed == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Writes `data` into `url` in place in `chunks` pieces, the descriptor held open, pausing longer than the
    /// settle time between them: the file is incomplete (and malformed) until the last piece.
    static func writeInPlace(_ data: Data, to url: URL, chunks: Int, pause: Duration) async throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw POSIXError(.EIO) }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        let step = data.count / chunks + 1
        for start in stride(from: 0, to: data.count, by: step) {
            try handle.write(contentsOf: data[start..<min(start + step, data.count)])
            try await Task.sleep(for: pause)
        }
    }
}

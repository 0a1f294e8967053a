import FerryState
import FerryValues
import Foundation
import GRDB
import Logging
import MagentoConnector
import MagentoSandbox
import SageSide
import Testing

/// The comment side of the workflow at 20 % faults: Sage success files -> `sage-success-to-magento-updates` ->
/// `magento.update-orders` against the sandbox, through the real `ferry` binary, until the inboxes drain.
@Suite("Order updates at 20 % faults", .serialized)
struct UpdateFaultTests {
    /// Every order gets exactly one comment and its status once, whatever the store answers: 500, 503 HTML,
    /// 429 with Retry-After, answers cut off after the comment was stored, and answers that stall mid-body.
    @Test func updateStageAtTwentyPercentFaultsCommentsEveryOrderOnce() async throws {
        let orders = longRun ? 1_000 : 150
        let perFile = 50
        // Orders an admin already moved to the target status (preventReprocessing: left alone, reported as done)
        // and success records whose order Magento does not have (the fail output, never a quarantine).
        let preExported = Set((orders + 1)...(orders + 3))
        let unknown = [999_991: "199999991", 999_992: "199999992"]
        var faults = SandboxFaults(
            rate500: 0.05, rate503: 0.04, rate429: 0.04, dropAfterEffect: 0.05, stallBody: 0.02, seed: 13)
        faults.stallSeconds = 5
        // `exported` is the merchant's own status, assigned to state `new` (a stock 2.4 has no such status).
        var options = MagentoSandboxOptions(bearerTokens: [recognisableToken], faults: faults)
        options.customStatuses = ["exported": ["new"]]
        let sandbox = MagentoSandboxServer(
            seed: 5, orders: orders + preExported.count,
            options: options,
            logger: Logger(label: "sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))
        _ = try await sandbox.start()
        defer { Task { await sandbox.stop() } }
        for id in preExported { await sandbox.store.touch(id, status: "exported") }

        let root = try FerryRoot()
        let folders = [
            "inbox/sage-success", "inbox/magento-order-updates", "outbox/magento-updated", "outbox/magento-update-failed",
        ]
        for folder in folders {
            try FileManager.default.createDirectory(at: root.url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // The client gives up after 2 attempts (a stall costs its 3 s timeout), so some files meet a transient
        // failure and are retried whole by the engine: the comment ledger must carry them across.
        try root.writeConfig(
            stages: [
                """
                { "name": "map-success", "watch": "inbox/sage-success", "task": "sage-success-to-magento-updates",
                  "outputs": { "out": "inbox/magento-order-updates" } }
                """,
                """
                { "name": "update-orders", "watch": "inbox/magento-order-updates", "task": "magento.update-orders",
                  "settings": { "notifyStage": "exported", "notifyCustomer": true, "preventReprocessing": true,
                                "customStatuses": { "exported": ["new"] } },
                  "outputs": { "success": "outbox/magento-updated", "fail": "outbox/magento-update-failed" } }
                """,
            ],
            extra: """
                "retry": { "initialSeconds": 1, "maxSeconds": 2 },
                "connections": { "magento": { "baseUrl": "\(sandbox.baseURL)", "tokenEnv": "REL_MAGENTO_TOKEN",
                                              "maxAttempts": 2, "timeoutSeconds": 3 } },
                """)

        // Sage's success files: Id = entity_id, CustomerOrderNumber = increment_id, SalesOrderNumber = Sage's.
        @Sendable func increment(_ id: Int) -> String { String(format: "%09d", 100_000_000 + id) }
        func sageNumber(_ id: Int) -> Int { 70_000 + id }
        var records = (1...orders).map { id in
            "<SalesOrder><Id>\(id)</Id><CustomerOrderNumber>\(increment(id))</CustomerOrderNumber>"
                + "<SalesOrderNumber>\(sageNumber(id))</SalesOrderNumber></SalesOrder>"
        }
        records += preExported.sorted().map {
            "<SalesOrder><Id>\($0)</Id><CustomerOrderNumber>\(increment($0))</CustomerOrderNumber>"
                + "<SalesOrderNumber>\(sageNumber($0))</SalesOrderNumber></SalesOrder>"
        }
        records += unknown.sorted(by: { $0.key < $1.key }).map {
            "<SalesOrder><Id>\($0.key)</Id><CustomerOrderNumber>\($0.value)</CustomerOrderNumber>"
                + "<SalesOrderNumber>\($0.key)</SalesOrderNumber></SalesOrder>"
        }
        // ferry sent every one of them (a success record for an order it never sent is reported, not posted);
        // the store is closed again before ferry opens it.
        do {
            let state = root.url.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let sent = try StateStore(path: state.appendingPathComponent("ferry.sqlite").path, migrations: Ledger.migrations)
            let sage = Ledger(store: sent, profile: "magento-sage")
            try await sent.write { db in
                for id in Array(1...orders) + preExported.sorted() {
                    try sage.record(db, externalId: "\(id)", externalRef: increment(id), hash: "h")
                }
                for (id, ref) in unknown { try sage.record(db, externalId: "\(id)", externalRef: ref, hash: "h") }
            }
        }
        var inputs: [String] = []
        for (n, start) in stride(from: 0, to: records.count, by: perFile).enumerated() {
            let name = "success-\(n + 1).xml"
            let body = records[start..<min(start + perFile, records.count)].joined(separator: "\n")
            try root.deliver(
                name, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Company><SalesOrders>\n\(body)\n</SalesOrders></Company>\n",
                into: root.url.appendingPathComponent("inbox/sage-success"))
            inputs.append(name)
        }

        // `ferry run` until both inboxes and their work areas are empty (bounded: a run that leaves a file for
        // later after a transient failure is simply run again, as a systemd timer would).
        let inboxes = ["inbox/sage-success", "inbox/magento-order-updates"].map { root.url.appendingPathComponent($0) }
        func pending() -> Int {
            inboxes.map { root.files(in: $0).count + root.entries(in: $0.appendingPathComponent(".ferry-work")).count }
                .reduce(0, +)
        }
        let env = ["REL_MAGENTO_TOKEN": recognisableToken]
        var runs = 0
        var leftForLater = 0
        while pending() > 0, runs < 20 {
            runs += 1
            let result = try await root.run(["run"], environment: env, timeout: .seconds(600))
            #expect(result.status == 0 || result.status == 75, "ferry run: \(result.status)\n\(result.log.suffix(2000))")
            if result.status == 75 { leftForLater += 1 }
        }
        #expect(pending() == 0, "the inboxes drain within 20 runs: \(pending()) left after \(runs)")
        let postsBefore = await sandbox.store.requestLog().filter { $0.method == "POST" }.count
        // One more run finds nothing to do and posts nothing.
        let idle = try await root.run(["run"], environment: env, timeout: .seconds(120))
        #expect(idle.status == 0)
        #expect(idle.output.contains("processed 0"), "\(idle.output)")
        let log = await sandbox.store.requestLog()
        #expect(log.filter { $0.method == "POST" }.count == postsBefore, "an idle run posts nothing")

        // Magento: exactly one comment per order, Sage's number in it, the status set once; the orders already
        // in the target status untouched.
        for id in 1...orders {
            let comments = await sandbox.store.comments(id)
            #expect(comments.count == 1, "order \(id) has \(comments.count) comments")
            #expect(comments.first?["comment"]?.text == "Imported into Sage as sales order \(sageNumber(id))", "order \(id)")
            #expect(comments.first?["status"]?.text == "exported", "order \(id)")
            #expect(comments.first?["is_customer_notified"]?.int == 1, "order \(id)")
            #expect(await sandbox.store.order(id)?["status"]?.text == "exported", "order \(id)")
        }
        for id in preExported { #expect(await sandbox.store.comments(id).isEmpty, "pre-exported order \(id) left alone") }

        // The request log: each order's comment stored by exactly one POST (answered 200, whether the client heard
        // it or the answer was cut off or stalled); a refused POST (500/503/429) stored nothing.
        // (A call refused before routing, 500/503/429, is logged without its route: match the path.)
        let commentPosts = log.filter { $0.method == "POST" && $0.path.hasSuffix("/comments") }
        let effective = Dictionary(grouping: commentPosts.filter { $0.status == 200 }, by: \.path).mapValues(\.count)
        #expect(effective.count == orders, "POSTs stored comments on \(effective.count) orders")
        #expect(effective.values.allSatisfy { $0 == 1 }, "an order's comment stored twice: \(effective.filter { $0.value > 1 })")
        #expect(!commentPosts.contains { $0.path.hasSuffix("/\(preExported.first!)/comments") })

        // The comment ledger: one `posted` row per commented order, with its entity, comment and status.
        let store = try StateStore(path: root.url.appendingPathComponent("state/ferry.sqlite").path, migrations: [])
        let ledger = try await store.read { db in
            try Row.fetchAll(
                db, sql: "SELECT increment_id, entity_id, comment, status, state FROM magento_comment_ledger WHERE scope = ?",
                arguments: ["update-orders"]
            ).map { row -> [String] in
                [row["increment_id"], String(row["entity_id"] as Int), row["comment"], row["status"] ?? "", row["state"]]
            }
        }
        let expectedLedger = Set((1...orders).map {
            [increment($0), String($0), "Imported into Sage as sales order \(sageNumber($0))", "exported", "posted"]
        })
        #expect(ledger.count == orders, "one ledger row per commented order: \(ledger.count)")
        #expect(Set(ledger) == expectedLedger, "ledger rows differ: \(Set(ledger).symmetricDifference(expectedLedger).prefix(3))")
        let journal = try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT stage, state, COUNT(*) AS n FROM pipeline_runs GROUP BY stage, state")
                .map { row -> String in "\(row["stage"] as String) \(row["state"] as String) \(row["n"] as Int)" }
        }
        #expect(
            Set(journal) == ["map-success done \(inputs.count)", "update-orders done \(inputs.count)"],
            "every run done, none failed or left claimed: \(journal)")

        // Files: every success file and every update file archived, nothing quarantined, each order once in the
        // success output (skipped ones included), the unknown ones in the fail output, nothing left behind.
        #expect(root.archived(stage: "map-success") == inputs.sorted())
        #expect(root.archived(stage: "update-orders").count == inputs.count)
        #expect(root.quarantined(stage: "map-success").isEmpty && root.quarantined(stage: "update-orders").isEmpty)
        func increments(in folder: String) -> [String] {
            let url = root.url.appendingPathComponent(folder)
            return root.files(in: url).flatMap { name -> [String] in
                let text = (try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)) ?? ""
                return text.components(separatedBy: "<increment_id>").dropFirst().map { String($0.prefix { $0 != "<" }) }
            }
        }
        let succeeded = increments(in: "outbox/magento-updated")
        #expect(succeeded.count == orders + preExported.count, "each order once in the success output: \(succeeded.count)")
        #expect(Set(succeeded) == Set(((1...orders).map { $0 } + preExported).map(increment)))
        #expect(increments(in: "outbox/magento-update-failed").sorted() == unknown.values.sorted())
        #expect(root.temporaries.isEmpty, "no temporary visible: \(root.temporaries.prefix(5))")

        let injected = log.filter { $0.fault != nil }
        #expect(!injected.filter { $0.method == "POST" && $0.fault == "drop" }.isEmpty, "some comment answers were cut off")
        #expect(!root.allLogs.contains(recognisableToken), "a log line holds the token")
        let kinds = Dictionary(grouping: injected, by: { $0.fault ?? "" }).mapValues(\.count)
        print("update faults: \(log.count) calls, \(injected.count) faulted \(kinds.sorted { $0.key < $1.key }), "
              + "\(commentPosts.count) comment POSTs, \(runs) runs (\(leftForLater) left files for later)")
        Figures.record("updates.orders", orders)
        Figures.record("updates.files", inputs.count)
        Figures.record("updates.calls", log.count)
        Figures.record("updates.faults", injected.count)
        for (kind, count) in kinds { Figures.record("updates.faults.\(kind)", count) }
        Figures.record("updates.commentPosts", commentPosts.count)
        Figures.record("updates.runs", runs)
        Figures.record("updates.runsLeavingFilesForLater", leftForLater)
    }
}

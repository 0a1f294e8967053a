import FerryState
import FerryTestSupport
import FerryXML
import Foundation
import GRDB
import SageSide
import Testing

/// The Sage-side job (`ferry sage-sim`, a real process) SIGKILLed part-way through a 500-order file, then
/// restarted: every order ends in Sage once and as exactly one success (or one real refusal), and ferry writes
/// exactly one Magento update per imported order (#13.2). Run both ways: the simulator noting each order's
/// outcome with its import (crash-consistent, the default) and forgetting it (the inconsistent case, where the
/// restarted job reports the first orders as "already imported as N").
@Suite("The Sage job killed part-way through a file", .serialized)
struct SageCrashTests {
    @Test(arguments: [false, true])
    func eachOrderEndsOnceAfterTheSageJobIsKilled(forgetImportsOnRestart: Bool) async throws {
        let orders = 500
        let refused = Set(stride(from: 7, through: orders, by: 50))
        let imported = Set(1...orders).subtracting(refused)
        let root = try FerryRoot()
        for folder in ["inbox/sage-success", "inbox/sage-failed", "inbox/magento-order-updates", "outbox/sage-orders", "state"] {
            try FileManager.default.createDirectory(at: root.url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try root.writeConfig(stages: [
            """
            { "name": "map-success", "watch": "inbox/sage-success", "task": "sage-success-to-magento-updates",
              "outputs": { "out": "inbox/magento-order-updates" } }
            """,
            """
            { "name": "report-sage-failures", "watch": "inbox/sage-failed", "task": "sage-failed-report",
              "outputs": { "out": "inbox/magento-order-updates" } }
            """,
        ])
        @Sendable func increment(_ id: Int) -> String { "\(100_000_000 + id)" }
        // ferry sent them all (its ledger says so); the store is closed before ferry opens it.
        do {
            let store = try StateStore(
                path: root.url.appendingPathComponent("state/ferry.sqlite").path, migrations: Ledger.migrations)
            let ledger = Ledger(store: store, profile: "magento-sage")
            try await store.write { db in
                for id in 1...orders { try ledger.record(db, externalId: "\(id)", externalRef: increment(id), hash: "h") }
            }
        }
        // Known stock-free lines (S1) import; an unknown stock code is a real refusal with --fail-unknown-stock.
        let body = (1...orders).map { id in
            "<SalesOrder><Id>\(id)</Id><CustomerOrderNumber>\(increment(id))</CustomerOrderNumber>"
                + "<AccountReference>WEBSALES</AccountReference><SalesOrderItems><Item><Sku>"
                + (refused.contains(id) ? "NOSUCH01" : "S1")
                + "</Sku><QtyOrdered>1</QtyOrdered><UnitPrice>10.00</UnitPrice></Item></SalesOrderItems></SalesOrder>"
        }.joined(separator: "\n")
        try root.deliver(
            "batch-1.xml", "<?xml version=\"1.0\"?>\n<Company><SalesOrders>\n\(body)\n</SalesOrders></Company>\n",
            into: root.url.appendingPathComponent("outbox/sage-orders"))

        // The job, slowed down so it is surely part-way when 150 orders are in; then SIGKILL.
        let company = root.url.appendingPathComponent("state/sage-sim.sqlite")
        let sim = try root.start(["sage-sim", "--fail-unknown-stock", "--import-delay-ms", "5", "--stock-every", "3600"])
        try await waitUntil("150 orders in the simulated Sage") { (try? count(company)) ?? 0 >= 150 || !sim.isRunning }
        sim.kill(SIGKILL)
        try await sim.wait()
        #expect(sim.endedBy(SIGKILL), "the job was still importing: \(sim.log.suffix(2000))")
        let before = try count(company)
        #expect(before < imported.count, "killed part-way: \(before) of \(imported.count) imported")
        #expect(root.files(in: root.url.appendingPathComponent("inbox/sage-success")).isEmpty)

        // Restarted: the file is imported again to its end.
        var arguments = ["sage-sim", "--once", "--fail-unknown-stock"]
        if forgetImportsOnRestart { arguments.append("--forget-imports-on-restart") }
        let again = try await root.run(arguments)
        #expect(again.status == 0, "\(again.log.suffix(2000))")
        #expect(try count(company) == imported.count, "each order in Sage once")

        // Sage's files: each order exactly one success or one refusal ("already imported" counts as a success).
        var successes: [Int] = []
        var repeats: [Int] = []
        var refusals: [Int] = []
        for name in root.files(in: root.url.appendingPathComponent("inbox/sage-success")) {
            try XMLRecordReader(url: root.url.appendingPathComponent("inbox/sage-success/\(name)"))
                .forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { successes.append(Int($0.string("Id") ?? "") ?? 0) }
        }
        for name in root.files(in: root.url.appendingPathComponent("inbox/sage-failed")) {
            try FailFileReader.forEachFailure(in: root.url.appendingPathComponent("inbox/sage-failed/\(name)")) { order in
                let id = Int(order.id ?? "") ?? 0
                if AlreadyImported.find(in: order.errors) != nil { repeats.append(id) } else { refusals.append(id) }
            }
        }
        #expect(Set(successes + repeats) == imported && successes.count + repeats.count == imported.count)
        #expect(Set(refusals) == refused && refusals.count == refused.count)
        if forgetImportsOnRestart {
            #expect(repeats.count == before, "the inconsistent job reports what it imported before the crash as repeats")
        } else {
            #expect(repeats.isEmpty, "the crash-consistent job writes them into its success file")
        }

        // Through ferry: one Magento update per imported order, none for a refused one; the ledger agrees.
        let run = try await root.run(["run"])
        #expect(run.status == 0, "\(run.log.suffix(2000))")
        var updates: [String: Int] = [:]
        for name in root.files(in: root.url.appendingPathComponent("inbox/magento-order-updates")) {
            try XMLRecordReader(url: root.url.appendingPathComponent("inbox/magento-order-updates/\(name)"))
                .forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { updates[$0.string("increment_id") ?? "", default: 0] += 1 }
        }
        #expect(Set(updates.keys) == Set(imported.map(increment)), "updated: \(updates.count) of \(imported.count)")
        #expect(updates.values.allSatisfy { $0 == 1 }, "an order updated twice: \(updates.filter { $0.value > 1 })")
        let store = try StateStore(path: root.url.appendingPathComponent("state/ferry.sqlite").path, migrations: [])
        let numbered = try await store.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sage_ledger WHERE internal_id IS NOT NULL") ?? 0
        }
        let rows = try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sage_ledger") ?? 0 }
        #expect(numbered == imported.count && rows == imported.count, "refused orders forgotten, the others numbered")
    }

    /// Orders in the simulated Sage company (read while the job writes: a busy timeout waits for its commits).
    /// Not a read-only connection: right after the SIGKILL the WAL's index may need rebuilding, which only a
    /// connection that may write can do (a read-only one failed once with "attempt to write a readonly database").
    private func count(_ company: URL) throws -> Int {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: company.path, configuration: configuration)
        return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sales_orders") ?? 0 }
    }
}

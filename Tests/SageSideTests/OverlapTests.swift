import FerryPipeline
import FerryStages
import FerryState
import FerryTestSupport
import FerryXML
import Foundation
import Logging
import SageSide
import Synchronization
import Testing

/// The map stage runs several files' tasks at once (`overlapsFiles`); their commits still go in order, and a
/// file that sent an order another file of the same group committed first is undone and mapped again.
@Suite("Overlapping map runs")
struct OverlapTests {
    /// 48 files where each shares an order with the next: every order reaches the outbox exactly once, whatever
    /// order the concurrent tasks finish in, and the conflicts this makes are resolved by mapping again.
    @Test func ordersSharedBetweenFilesOfABurstAreSentOnce() async throws {
        try await withTemporaryDirectory { dir in
            let inbox = dir.appendingPathComponent("inbox")
            for folder in ["inbox", "outbox", "fail"] {
                try FileManager.default.createDirectory(at: dir.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            for file in 0..<48 {
                let name = String(format: "orders-%02d.xml", file)
                try writeMagentoOrders([baseOrder(file + 1), baseOrder(file + 2)], to: inbox.appendingPathComponent(name))
            }
            let config = dir.appendingPathComponent("config.json")
            try Data("""
                { "settleMilliseconds": 50, "stages": [ { "name": "map-orders", "watch": "inbox",
                  "task": "magento-orders-to-sage-orders", "outputs": { "out": "outbox", "fail": "fail" } } ] }
                """.utf8).write(to: config)
            let (loaded, _) = try ConfigLoader.load(file: config, registry: BuiltinTasks.registry)
            let lines = LogCapture(level: .info)
            let logger = lines.logger
            let pipeline = try Pipeline(config: loaded, registry: BuiltinTasks.registry, logger: logger)
            let report = await pipeline.drain()

            #expect(report.processed == 48)
            #expect(report.quarantined == 0 && report.leftForLater == 0)
            // 49 distinct orders, 96 mentions.
            #expect(report.counters["orders.mapped"] == 49)
            #expect(report.counters["orders.duplicates"] == 47)
            var sent: [String] = []
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("outbox").path) {
                #expect(!name.hasPrefix("."), "a temporary was left: \(name)")
                for order in try records(dir.appendingPathComponent("outbox/\(name)"), ["Company", "SalesOrders", "SalesOrder"]) {
                    sent.append(order.string("Id") ?? "")
                }
            }
            #expect(sent.sorted() == (1...49).map(String.init).sorted())
            for id in 1...49 {
                #expect(try Ledger.show(store: pipeline.store, order: "\(id)").count == 1)
            }
            // With 8 files at once and every file sharing an order with the next, commits do conflict.
            #expect(lines.count(containing: "running this one again") > 0)
        }
    }
}


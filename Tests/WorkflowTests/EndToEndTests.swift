import FerryDemo
import FerryPipeline
import FerryStages
import FerryState
import FerryTestSupport
import FerryValues
import FerryXML
import Foundation
import Logging
import MagentoConnector
import MagentoSandbox
import SageSide
import SageSimulator
import Testing

/// The whole default workflow (the repository's config.json) against the Magento sandbox and the Sage
/// simulator: every order ends exactly once in Sage or in a fail file with its reason.
@Suite struct EndToEndTests {

    /// A temporary root holding the shipped config.json and the folders it names.
    static func makeRoot(adjust: (inout String) -> Void = { _ in }) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-e2e-\(UUID().uuidString)")
        var config = try String(contentsOf: packageRoot.appendingPathComponent("config.json"), encoding: .utf8)
        adjust(&config)
        for folder in ["inbox/magento-orders", "inbox/sage-success", "inbox/sage-failed", "inbox/sage-stock", "inbox/magento-order-updates",
                       "inbox/magento-inventory", "outbox/sage-orders", "outbox/prevalidation-failed", "outbox/magento-updated",
                       "outbox/magento-update-failed", "outbox/inventory-failed", "archive"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(config.utf8).write(to: root.appendingPathComponent("config.json"))
        return root
    }

    /// Records of every XML file in `folder` at `path`.
    static func records(in folder: URL, path: [String]) throws -> [XMLNode] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".xml") }.sorted()
        var result: [XMLNode] = []
        for name in names {
            try XMLRecordReader(url: folder.appendingPathComponent(name)).forEachRecord(path: path) { result.append($0) }
        }
        return result
    }

    @Test func fiveHundredOrdersEndExactlyOnceInSageOrInAFailFile() async throws {
        // USD orders go to an account Sage holds in GBP: the simulator rejects them, as Sage 50 would.
        let root = try Self.makeRoot { config in
            config = config.replacingOccurrences(of: #""guestAccountByCurrency": { "EUR": "WEBEUR", "USD": "WEBUSD" }"#, with: #""guestAccountByCurrency": { "EUR": "WEBEUR" }"#)
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let (config, _) = try ConfigLoader.load(file: root.appendingPathComponent("config.json"), registry: BuiltinTasks.registry)
        var options = DemoWorkflow.Options()
        options.initialOrders = 500
        options.sandboxPort = 0
        let demo = try DemoWorkflow(config: config, options: options, logger: Logger(label: "e2e", factory: { _ in SwiftLogNoOpLogHandler() }))
        let summary = try await demo.runOnce()

        // Every order exactly once: imported (success file), refused by pre-validation, or rejected by Sage.
        let archive = root.appendingPathComponent("archive")
        let today = try #require(try FileManager.default.contentsOfDirectory(atPath: archive.path).filter { !$0.hasPrefix(".") }.sorted().last)
        let day = archive.appendingPathComponent(today)
        let imported = try Self.records(in: day.appendingPathComponent("map-success"), path: ["Company", "SalesOrders", "SalesOrder"])
        let refused = try Self.records(in: root.appendingPathComponent("outbox/prevalidation-failed"), path: ["Company", "SalesOrders", "SalesOrder"])
        let rejected = try Self.records(in: day.appendingPathComponent("report-sage-failures"), path: ["Company", "SalesOrders", "SalesOrder"])
        let outcomes = (imported + refused + rejected).compactMap { $0.string("CustomerOrderNumber") }
        #expect(outcomes.count == 500)
        #expect(Set(outcomes).count == 500, "an order appears in two outcomes")
        #expect(!rejected.isEmpty, "the USD orders are rejected by Sage")
        for record in refused + rejected {
            let reason = record.child("Errors")?.child("Error")?.string("Description") ?? ""
            #expect(!reason.isEmpty, "fail record without a reason: \(record.string("CustomerOrderNumber") ?? "?")")
        }
        // Orders Sage refused leave the ledger (so they can be sent again); imported ones keep their Sage number.
        let ledgerStore = try StateStore(path: config.stateStore.path, migrations: Ledger.migrations)
        for record in rejected.prefix(20) {
            let increment = try #require(record.string("CustomerOrderNumber"))
            #expect(try Ledger.show(store: ledgerStore, order: increment).isEmpty, "refused order \(increment) still in the ledger")
        }
        for record in imported.prefix(20) {
            let increment = try #require(record.string("CustomerOrderNumber"))
            #expect(try Ledger.show(store: ledgerStore, order: increment).first?.internalId == record.string("SalesOrderNumber"))
        }
        #expect(summary.downloaded == 500)
        #expect(summary.imported == imported.count)
        #expect(summary.sageRejections.count == rejected.count)

        // Every imported order is updated in Magento with exactly one comment naming its Sage order number.
        let store = demo.sandbox.store
        for record in imported {
            let number = try #require(record.string("SalesOrderNumber"))
            let entity = try #require(record.string("Id").flatMap(Int.init))
            let comments = await store.comments(entity).compactMap { $0.object?["comment"]?.text }
            #expect(comments.filter { $0.contains(number) }.count == 1, "order \(entity): \(comments)")
            #expect(comments.count == 1)
            // The shipped config posts a comment only: a stock Magento has no status to move a `new` order to.
            #expect(await store.order(entity)?.object?["status"]?.text == "pending")
        }
        #expect(summary.updated == imported.count)

        // Magento's stock equals Sage's free stock for the published products Sage exported.
        let inventory = try Self.records(in: day.appendingPathComponent("upload-inventory"), path: ["ArrayOfInventory", "Inventory"])
        #expect(!inventory.isEmpty)
        for record in inventory {
            let sku = try #require(record.string("sku"))
            let level = await store.stockLevel(sku)
            #expect(level.map { "\($0.qty)" } == record.string("qty"), "stock of \(sku)")
        }

        // Every processed file is archived under today's date; nothing is left in any inbox.
        for stage in ["map-orders", "map-success", "update-orders", "report-sage-failures", "map-stock", "upload-inventory"] {
            #expect(!((try? FileManager.default.contentsOfDirectory(atPath: day.appendingPathComponent(stage).path)) ?? []).isEmpty, "archive of \(stage)")
        }
        for inbox in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("inbox").path) {
            let left = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("inbox/\(inbox)").path).filter { !$0.hasPrefix(".") }
            #expect(left.isEmpty, "left in inbox/\(inbox): \(left)")
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("failed").path))
    }

    @Test func theShippedConfigIsValid() throws {
        setenv("MAGENTO_TOKEN", "sandbox-token", 0)
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let (config, warnings) = try ConfigLoader.load(file: root.appendingPathComponent("config.json"), registry: BuiltinTasks.registry)
        #expect(warnings.isEmpty)
        #expect(config.stages.map(\.name) == [
            "download-orders", "map-orders", "map-success", "update-orders", "report-sage-failures", "map-stock", "upload-inventory",
        ])
    }
}

/// Orders Sage refused are sent again by replaying their Magento order file once the cause is fixed; the
/// orders Sage imported are not sent twice.
@Suite struct ResendTests {
    @Test func replayingTheOrderFileResendsOnlyTheRefusedOrders() async throws {
        let usdAccount = #""guestAccountByCurrency": { "EUR": "WEBEUR", "USD": "WEBUSD" }"#
        let root = try EndToEndTests.makeRoot { config in
            config = config.replacingOccurrences(of: usdAccount, with: #""guestAccountByCurrency": { "EUR": "WEBEUR" }"#)
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let configFile = root.appendingPathComponent("config.json")
        let (config, _) = try ConfigLoader.load(file: configFile, registry: BuiltinTasks.registry)
        var options = DemoWorkflow.Options()
        options.initialOrders = 40
        options.sandboxPort = 0
        let logger = Logger(label: "resend", factory: { _ in SwiftLogNoOpLogHandler() })
        let demo = try DemoWorkflow(config: config, options: options, logger: logger)
        let first = try await demo.runOnce()
        let refused = Set(first.sageRejections.map(\.order))
        #expect(!refused.isEmpty)

        // The fix: USD orders get their own account. Then the archived order file is replayed.
        var text = try String(contentsOf: configFile, encoding: .utf8)
        text = text.replacingOccurrences(of: #""guestAccountByCurrency": { "EUR": "WEBEUR" }"#, with: usdAccount)
        try Data(text.utf8).write(to: configFile)
        let (fixed, _) = try ConfigLoader.load(file: configFile, registry: BuiltinTasks.registry)
        let pipeline = try Pipeline(config: fixed, registry: BuiltinTasks.registry, logger: logger)
        let day = try #require(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("archive").path).sorted().last)
        let archived = root.appendingPathComponent("archive/\(day)/map-orders")
        let orderFile = try #require(try FileManager.default.contentsOfDirectory(atPath: archived.path).first)
        _ = try pipeline.retry(archived.appendingPathComponent(orderFile))
        _ = await pipeline.drain(stages: ["map-orders"])

        let resent = try EndToEndTests.records(in: root.appendingPathComponent("outbox/sage-orders"), path: ["Company", "SalesOrders", "SalesOrder"])
        #expect(Set(resent.compactMap { $0.string("CustomerOrderNumber") }) == refused)
        let report = try await demo.simulator.runOnce()
        #expect(report.imported == refused.count)
        #expect(report.failed == 0)
    }
}

import FerryPipeline
import FerryStages
import FerryState
import FerryTestSupport
import FerryXML
import Foundation
import SageSide
import Testing

/// Runs a Sage task as the engine would: outputs renamed into place and commit hooks run in one transaction.
func runTask(
    _ name: String, settings: String = "{}", input: URL, root: URL, store: StateStore, outputs: [String: URL]
) async throws -> TaskContext {
    let kind = try #require(SageTasks.all.first { $0.name == name })
    let environment = TaskEnvironment(store: store, logger: quietLogger, root: root, stageName: "test")
    let task = try kind.makeFileTask(TaskSettings(json: Data(settings.utf8), path: "stages[0].settings"), environment)
    for folder in outputs.values { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
    let context = TaskContext(environment: environment, logger: quietLogger, outputFolders: outputs, runID: UUID().uuidString)
    try await task.run(TaskInput(url: input, name: input.lastPathComponent), context: context)
    for output in context.pendingOutputs {
        try FileManager.default.moveItem(at: output.url, to: output.folder.appendingPathComponent(output.name))
    }
    let hooks = context.commitHooks
    try await store.write { db in for hook in hooks { try hook(db) } }
    return context
}

@Suite("The Sage tasks")
struct TaskTests {
    @Test func registeredNamesAndKeys() {
        #expect(SageTasks.all.map(\.name) == [
            "magento-orders-to-sage-orders", "sage-success-to-magento-updates", "sage-products-to-magento-inventory",
            "sage-failed-report",
        ])
        #expect(SageTasks.all[0].settingsKeys.contains("guestAccountReference"))
    }

    @Test func badSettingsNameTheKey() throws {
        let kind = try #require(SageTasks.all.first)
        try withTemporaryDirectory { dir in
            let store = try StateStore(path: dir.appendingPathComponent("s.sqlite").path, migrations: kind.migrations)
            let environment = TaskEnvironment(store: store, logger: quietLogger, root: dir, stageName: "t")
            #expect {
                _ = try kind.makeFileTask(TaskSettings(json: Data(#"{"bundles": "all"}"#.utf8), path: "stages[1].settings"), environment)
            } throws: { error in
                "\(error)".hasPrefix("stages[1].settings.bundles")
            }
        }
    }

    @Test func ordersTaskSendsOnceAndRecordsTheLedgerOnCommit() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(
                path: dir.appendingPathComponent("state.sqlite").path, migrations: SageTasks.all.flatMap(\.migrations))
            let input = dir.appendingPathComponent("orders-1.xml")
            var bad = baseOrder(3)
            bad.grandTotal = 1
            try writeMagentoOrders([baseOrder(1), baseOrder(2), bad], to: input)
            let outputs = ["out": dir.appendingPathComponent("outbox"), "fail": dir.appendingPathComponent("failed")]
            let first = try await runTask(
                "magento-orders-to-sage-orders", input: input, root: dir, store: store, outputs: outputs)
            #expect(first.counters["orders.mapped"] == 2)
            #expect(first.counters["orders.failed"] == 1)
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("outbox/orders-1-sage-orders.xml").path))
            #expect(try Ledger.show(store: store, order: "100000002").count == 1)

            // The same download again: nothing new reaches the outbox.
            let input2 = dir.appendingPathComponent("orders-2.xml")
            try FileManager.default.copyItem(at: input, to: input2)
            let second = try await runTask(
                "magento-orders-to-sage-orders", input: input2, root: dir, store: store, outputs: outputs)
            #expect(second.counters["orders.duplicates"] == 2)
            #expect(second.counters["orders.mapped"] == 0)
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("outbox/orders-2-sage-orders.xml").path))

            // The failed-report task reads the pre-validation fail file and marks the order in Magento.
            let report = try await runTask(
                "sage-failed-report", settings: #"{"markInMagento": true}"#,
                input: dir.appendingPathComponent("failed/orders-1-sage-orders-fail.xml"), root: dir, store: store,
                outputs: ["out": dir.appendingPathComponent("updates")])
            #expect(report.counters["orders.sage-failed"] == 1)
            let updates = try records(
                dir.appendingPathComponent("updates/orders-1-sage-orders-fail-failed-updates.xml"),
                ["ArrayOfOrderInfo", "OrderInfo"])
            #expect(updates.map { $0.string("increment_id") } == ["100000003"])
            #expect(updates.first?.string("comment")?.hasPrefix("Sage import failed: Pre-validation: Totals") == true)
        }
    }
}


import FerryDemo
import FerryPipeline
import FerryStages
import FerryState
import FerryTestSupport
import Foundation
import GRDB
import Logging
import SageSide
import Testing

/// The orders Sage 200 refuses are recorded with the reason of their fail record in the refusals ledger
/// (`order_refusal`), where the console's Orders page reads them, as the Sage 50 side records its refusals.
@Suite struct Sage200RefusalLedgerTests {
    @Test func everyRefusedOrderHasItsReasonRecorded() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("config.sage200.json")
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("config.sage200.json"), to: file)
            try makeStageFolders(of: file)
            let (config, _) = try ConfigLoader.load(file: file, registry: BuiltinTasks.registry)
            var options = DemoWorkflow.Options()
            options.initialOrders = 12
            options.sandboxPort = 0
            let quiet = Logger(label: "sage200-refusals", factory: { _ in SwiftLogNoOpLogHandler() })
            let summary = try await Sage200DemoWorkflow(config: config, options: options, logger: quiet).runOnce()
            // The sandbox's orders include EU tax rates and configurable parents the Sage 200 mapping refuses.
            try #require(!summary.sageRejections.isEmpty)

            let store = try StateStore(path: config.stateStore.path, migrations: Ledger.migrations)
            let recorded = try await store.read { db in
                try Row.fetchAll(db, sql: "SELECT external_ref, refused_by, reason, stage FROM order_refusal ORDER BY rowid")
                    .map { row -> [String] in
                        [row["external_ref"], row["refused_by"], row["reason"], row["stage"]]
                    }
            }
            #expect(recorded.count == summary.sageRejections.count)
            for rejection in summary.sageRejections {
                let row = recorded.first { $0[0] == rejection.order }
                #expect(row?[2] == rejection.reason, "order \(rejection.order)")
                #expect(["Sage 200", "ferry validation"].contains(row?[1] ?? ""), "order \(rejection.order)")
                #expect(row?[3] == "import-sage200")
            }
        }
    }
}

import FerryStages
import FerryState
import FerryTestSupport
import Foundation
import GRDB
import SageSide
import Testing

/// The stage that refuses an order records why (`order_refusal`), in the commit of the file it processed, for the
/// console's Orders page: ferry's own pre-validation and Sage's fail files alike.
@Suite("Refusal reasons are recorded")
struct RefusalReasonTests {
    @Test func thePreValidationRecordsItsReasonOncePerFile() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(
                path: dir.appendingPathComponent("state.sqlite").path, migrations: SageTasks.all.flatMap(\.migrations))
            var bad = baseOrder(3)
            bad.grandTotal = 1
            let input = dir.appendingPathComponent("orders-1.xml")
            try writeMagentoOrders([baseOrder(1), bad], to: input)
            let outputs = ["out": dir.appendingPathComponent("outbox"), "fail": dir.appendingPathComponent("failed")]
            _ = try await runTask("magento-orders-to-sage-orders", input: input, root: dir, store: store, outputs: outputs)

            let rows = try refusals(store)
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row["external_ref"] == "100000003")
            #expect(row["external_id"] == "3")
            #expect(row["refused_by"] == "ferry pre-validation")
            #expect(row["reason", default: ""].hasPrefix("Totals"), "\(row["reason", default: ""])")
            #expect(row["stage"] == "test")
            #expect(row["file"] == "orders-1.xml")

            // The same file retried with the same outcome: still one refusal.
            let again = ["out": dir.appendingPathComponent("outbox-2"), "fail": dir.appendingPathComponent("failed-2")]
            _ = try await runTask("magento-orders-to-sage-orders", input: input, root: dir, store: store, outputs: again)
            #expect(try refusals(store).count == 1)

            // Retried after a change that fails for another reason: both reasons are kept.
            bad.grandTotal = 2
            try writeMagentoOrders([baseOrder(1), bad], to: input)
            let third = ["out": dir.appendingPathComponent("outbox-3"), "fail": dir.appendingPathComponent("failed-3")]
            _ = try await runTask("magento-orders-to-sage-orders", input: input, root: dir, store: store, outputs: third)
            let both = try refusals(store)
            #expect(both.count == 2)
            #expect(both.first?["reason"] == row["reason"])
            #expect(both.last?["reason"] != row["reason"])
        }
    }

    @Test func sagesFailFileReasonIsRecordedAndTheOrderForgotten() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(
                path: dir.appendingPathComponent("state.sqlite").path, migrations: SageTasks.all.flatMap(\.migrations))
            let orders = dir.appendingPathComponent("orders.xml")
            try writeMagentoOrders([baseOrder(1), baseOrder(2)], to: orders)
            _ = try await runTask(
                "magento-orders-to-sage-orders", input: orders, root: dir, store: store,
                outputs: ["out": dir.appendingPathComponent("outbox")])
            let fail = dir.appendingPathComponent("batch_fail.xml")
            try sageFile([(2, nil, "Stock code 'DESK001' does not exist (AutoCreateProducts off)")], to: fail)
            _ = try await runTask(
                "sage-failed-report", input: fail, root: dir, store: store,
                outputs: ["out": dir.appendingPathComponent("updates")])

            let rows = try refusals(store)
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row["external_ref"] == "100000002")
            #expect(row["refused_by"] == "Sage")
            #expect(row["reason", default: ""].contains("Stock code 'DESK001' does not exist"))
            #expect(row["file"] == "batch_fail.xml")
            #expect(try Ledger.show(store: store, order: "100000002").isEmpty, "forgotten, to be sent again")
        }
    }

    /// The refusals ledger's rows, column by column (every column is text).
    private func refusals(_ store: StateStore) throws -> [[String: String]] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM order_refusal ORDER BY rowid").map { row in
                Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, row[$0] as String? ?? "") })
            }
        }
    }
}

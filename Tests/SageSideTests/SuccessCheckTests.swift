import FerryPipeline
import FerryStages
import FerryState
import FerryTestSupport
import FerryXML
import Foundation
import SageSide
import Testing

/// Success files are checked, not trusted (#13.7): one comment per order, bad numbers and strangers reported.
@Suite("Success files validated")
struct SuccessCheckTests {
    @Test func badRecordsAreReportedAndEachOrderIsCommentedOnce() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(
                path: dir.appendingPathComponent("state.sqlite").path, migrations: SageTasks.all.flatMap(\.migrations))
            let orders = dir.appendingPathComponent("orders.xml")
            try writeMagentoOrders((1...5).map(baseOrder), to: orders)
            _ = try await runTask(
                "magento-orders-to-sage-orders", input: orders, root: dir, store: store,
                outputs: ["out": dir.appendingPathComponent("outbox")])
            let outputs = ["out": dir.appendingPathComponent("updates"), "fail": dir.appendingPathComponent("rejected")]

            let success = dir.appendingPathComponent("s1_success.xml")
            try sageFile(
                [
                    (1, "500", nil), (1, "500", nil),  // the same record twice: one comment
                    (2, "501", nil), (2, "502", nil),  // two numbers for one order: neither believed
                    (3, "abc", nil),  // not a number
                    (4, "", nil),  // empty
                    (9, "509", nil),  // never sent by ferry
                    (5, " 505 ", nil),  // padded: fine
                ], to: success)
            let first = try await runTask("sage-success-to-magento-updates", input: success, root: dir, store: store, outputs: outputs)
            let comments = try records(
                dir.appendingPathComponent("updates/s1_success-order-updates.xml"), ["ArrayOfOrderInfo", "OrderInfo"])
            #expect(comments.map { $0.string("increment_id") } == ["100000001", "100000005"])
            #expect(comments.map { $0.string("comment") } == [
                "Imported into Sage as sales order 500", "Imported into Sage as sales order 505",
            ])
            #expect(first.counters["orders.success-rejected"] == 5)
            #expect(first.counters["orders.success-repeated"] == 1)

            let rejected = try records(
                dir.appendingPathComponent("rejected/s1_success-success-rejected.xml"), ["Company", "SalesOrders", "SalesOrder"])
            let reasons = rejected.map { SalesOrder.errors(of: $0).first?.description ?? "" }
            #expect(reasons.count == 5)
            #expect(reasons[0].contains("SalesOrderNumber \"abc\"") && reasons[0].contains("100000003"), "\(reasons[0])")
            #expect(reasons[1].contains("has no SalesOrderNumber") && reasons[1].contains("100000004"), "\(reasons[1])")
            #expect(reasons[2].contains("501 (line") && reasons[2].contains("502 (line") && reasons[2].contains("100000002"))
            #expect(reasons[4].contains("100000009") && reasons[4].contains("never sent"), "\(reasons[4])")
            #expect(try Ledger.show(store: store, order: "100000002").map(\.internalId) == [nil])
            #expect(try Ledger.show(store: store, order: "100000003").map(\.internalId) == [nil])

            // A second success file: order 1 again with its number (idempotent), then with another (a conflict).
            let second = dir.appendingPathComponent("s2_success.xml")
            try sageFile([(1, "500", nil), (5, "599", nil)], to: second)
            let again = try await runTask("sage-success-to-magento-updates", input: second, root: dir, store: store, outputs: outputs)
            #expect(again.counters["orders.updates"] == 0)
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("updates/s2_success-order-updates.xml").path))
            let conflict = try records(
                dir.appendingPathComponent("rejected/s2_success-success-rejected.xml"), ["Company", "SalesOrders", "SalesOrder"])
            let reason = conflict.first.flatMap { SalesOrder.errors(of: $0).first?.description } ?? ""
            #expect(conflict.count == 1)
            #expect(reason.contains("Sage order 505 in the ledger") && reason.contains("Sage order 599"), "\(reason)")
            #expect(try Ledger.show(store: store, order: "100000005").map(\.internalId) == ["505"])
        }
    }

    /// Two files confirming one order, the second mapped before the first committed: the second's commit finds
    /// the number recorded and asks the engine to map it again, so only one of them tells Magento.
    @Test func aConfirmationMadeMeanwhileIsAConflict() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore(path: dir.appendingPathComponent("state.sqlite").path, migrations: Ledger.migrations)
            let ledger = Ledger(store: store, profile: "magento-sage")
            try store.write { db in _ = try ledger.record(db, externalId: "1", externalRef: "100000001", hash: "h") }
            guard case .first(let entry) = try ledger.confirmation(externalId: "1", externalRef: nil, number: "500")
            else { Issue.record("order 1 has no number yet"); return }
            try store.write { db in try ledger.confirm(db, entry, number: "500") }
            // The store wraps what a write throws; the engine's commit sees the LedgerConflict itself.
            #expect {
                try store.write { db in try ledger.confirm(db, entry, number: "500") }
            } throws: { error in
                "\(error)".contains("order 100000001 (entity 1) was confirmed by another file")
            }
            #expect(try ledger.confirmation(externalId: "1", externalRef: nil, number: "500") == .repeated(
                try #require(try store.read { db in try ledger.entry(db, externalId: "1") })))
        }
    }
}

import FerryPipeline
import FerryStages
import FerryState
import FerryTestSupport
import FerryXML
import Foundation
import SageSide
import Testing

/// A Sage job killed part-way through a file reports, on restart, the orders it had already imported as fail
/// records "already imported as N (PreventDuplicates)". Those are successes with Sage number N (#13.2).
@Suite("Already imported is a success")
struct AlreadyImportedTests {
    @Test(arguments: [
        ("Sales order with Id 17 already imported as 90017 (PreventDuplicates)", "90017"),
        ("Sales Order already imported as 90017", "90017"),
        ("ALREADY IMPORTED AS 90017", "90017"),
        ("The record has already been imported as sales order number: 0000123", "0000123"),
        ("This order already exists as order #90017", "90017"),
        ("Record already processed, Sales Order No. 4711", "4711"),
    ])
    func wordingsWithANumber(_ description: String, _ number: String) {
        let found = AlreadyImported.find(in: [ZynkError(name: "Validation", description: description, date: "")])
        #expect(found == AlreadyImported(number: number), "\(description)")
    }

    @Test func aDuplicateWithoutANumberIsStillNotARefusal() {
        let errors = [ZynkError(name: "Validation", description: "Skipped: already imported (PreventDuplicates)", date: "")]
        #expect(AlreadyImported.find(in: errors) == AlreadyImported(number: nil))
    }

    @Test(arguments: [
        "Stock code 'DESK001' does not exist (AutoCreateProducts off)",
        "Account reference 90017 does not exist",
        "Username is already in use. Log the other user out of Sage 50",
        "Order currency EUR does not match account ZYN001 (GBP)",
    ])
    func realRefusalsStayRefusals(_ description: String) {
        #expect(AlreadyImported.find(in: [ZynkError(name: "Validation", description: description, date: "")]) == nil)
    }

    /// The restarted job's fail file: order 1 was imported and its success file reached ferry before the crash,
    /// order 2 was imported but its success file was lost, order 3 is a real refusal.
    @Test func restartedJobsRepeatsAreCommentedOnceAndNeverForgotten() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(
                path: dir.appendingPathComponent("state.sqlite").path, migrations: SageTasks.all.flatMap(\.migrations))
            let orders = dir.appendingPathComponent("orders.xml")
            try writeMagentoOrders([baseOrder(1), baseOrder(2), baseOrder(3)], to: orders)
            let updates = dir.appendingPathComponent("updates")
            _ = try await runTask(
                "magento-orders-to-sage-orders", input: orders, root: dir, store: store,
                outputs: ["out": dir.appendingPathComponent("outbox")])
            let success = dir.appendingPathComponent("batch_success.xml")
            try sageFile([(1, "500", nil)], to: success)
            _ = try await runTask(
                "sage-success-to-magento-updates", input: success, root: dir, store: store, outputs: ["out": updates])

            let fail = dir.appendingPathComponent("batch_fail.xml")
            try sageFile(
                [
                    (1, nil, "Sales order with Id 1 already imported as 500 (PreventDuplicates)"),
                    (2, nil, "Sales order with Id 2 already imported as 501 (PreventDuplicates)"),
                    (3, nil, "Stock code 'DESK001' does not exist (AutoCreateProducts off)"),
                ], to: fail)
            let report = try await runTask(
                "sage-failed-report", input: fail, root: dir, store: store, outputs: ["out": updates])
            #expect(report.counters["orders.sage-failed"] == 1)
            #expect(report.counters["orders.already-imported"] == 2)
            let comments = try records(updates.appendingPathComponent("batch_fail-failed-updates.xml"), ["ArrayOfOrderInfo", "OrderInfo"])
            #expect(comments.map { $0.string("increment_id") } == ["100000002"])
            #expect(comments.first?.string("comment") == "Imported into Sage as sales order 501")
            #expect(try Ledger.show(store: store, order: "100000001").map(\.internalId) == ["500"])
            #expect(try Ledger.show(store: store, order: "100000002").map(\.internalId) == ["501"])
            #expect(try Ledger.show(store: store, order: "100000003").isEmpty, "the real refusal is forgotten, to resend")

            // The same fail file again (ferry retry): nothing more for Magento.
            let again = dir.appendingPathComponent("batch-again_fail.xml")
            try FileManager.default.copyItem(at: fail, to: again)
            let repeated = try await runTask(
                "sage-failed-report", input: again, root: dir, store: store, outputs: ["out": updates])
            #expect(repeated.counters["orders.already-imported"] == 2)
            #expect(!FileManager.default.fileExists(atPath: updates.appendingPathComponent("batch-again_fail-failed-updates.xml").path))
        }
    }
}

/// Writes a Sage success or fail file: (entity id, SalesOrderNumber, error description) per record; the increment
/// id follows `baseOrder`'s.
func sageFile(_ rows: [(id: Int, number: String?, error: String?)], to url: URL) throws {
    var body = ""
    for row in rows {
        body += "<SalesOrder>"
        if let error = row.error {
            body += "<Errors><Error><Date>2026-11-30T04:00:00</Date><Name>Validation</Name>"
                + "<Description>\(error)</Description></Error></Errors>"
        }
        body += "<Id>\(row.id)</Id>"
        if let number = row.number { body += "<SalesOrderNumber>\(number)</SalesOrderNumber>" }
        body += "<CustomerOrderNumber>\(100_000_000 + row.id)</CustomerOrderNumber></SalesOrder>\n"
    }
    try Data("<?xml version=\"1.0\"?>\n<Company><SalesOrders>\n\(body)</SalesOrders></Company>\n".utf8).write(to: url)
}

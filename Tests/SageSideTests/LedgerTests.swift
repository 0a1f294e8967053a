import FerryState
import FerryTestSupport
import FerryValues
import Foundation
@testable import SageSide
import Testing

@Suite("The truth ledger")
struct LedgerTests {
    /// Past its memory limit the list of sent orders goes to a file; every order still reaches the ledger, once,
    /// and the file is gone after the commit.
    @Test func aLongSentListSpillsToAFileAndIsRecordedWhole() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(path: dir.appendingPathComponent("state.sqlite").path, migrations: Ledger.migrations)
            let ledger = Ledger(store: store, profile: "magento-sage")
            let input = dir.appendingPathComponent("orders.xml")
            try writeMagentoOrders((1...7).map { baseOrder($0) }, to: input)
            let spill = dir.appendingPathComponent("sent.tsv")
            let sent = SentOrders(spillFile: spill, memoryLimit: 3)
            let summary = try OrderFileMapper(settings: OrderMappingSettings(), logger: quietLogger).map(
                input: input, output: { dir.appendingPathComponent("out.xml") }, fail: nil, sent: sent,
                lookup: { try ledger.decide($0) })
            #expect(summary.sent == 7)
            // 6 spilled in two rounds of 3, 1 still in memory.
            #expect(try String(contentsOf: spill, encoding: .utf8).split(separator: "\n").count == 6)
            try await store.write { db in try sent.record(into: ledger, db: db) }
            #expect(!FileManager.default.fileExists(atPath: spill.path))
            for id in 1...7 {
                #expect(try Ledger.show(store: store, order: "\(id)").count == 1)
            }
        }
    }

    /// The look-up pads its list of ids to a power of two so its statement is cached: for any batch (empty, one
    /// order, just over a power of two, past one query's 512 ids, ids given twice, ids of another profile), it
    /// decides exactly what a plain scan of the ledger's rows says.
    @Test func theLookUpDecidesLikeAScanForAnyBatch() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore(path: dir.appendingPathComponent("state.sqlite").path, migrations: Ledger.migrations)
            let ledger = Ledger(store: store, profile: "magento-sage")
            let other = Ledger(store: store, profile: "other-shop")
            // Orders 0..<1500: every third recorded with hash "h", every seventh of another profile only.
            try store.write { db in
                for id in stride(from: 0, to: 1500, by: 3) { try ledger.record(db, externalId: "\(id)", externalRef: "R\(id)", hash: "h") }
                for id in stride(from: 1, to: 1500, by: 7) { try other.record(db, externalId: "\(id)", externalRef: nil, hash: "h") }
            }
            var random = SplitMix64(seed: 18)
            let sizes = [0, 1, 2, 3, 4, 5, 255, 256, 257, 511, 512, 513, 1024, 1025, 1499] + (0..<40).map { _ in Int.random(in: 1...1500, using: &random) }
            for size in sizes {
                let orders = (0..<size).map { _ -> (externalId: String, hash: String) in
                    let id = Int.random(in: 0..<1600, using: &random)
                    return ("\(id)", Bool.random(using: &random) ? "h" : "changed")
                }
                let decisions = try ledger.decide(orders)
                #expect(decisions.count == size)
                for (order, decision) in zip(orders, decisions) {
                    let id = Int(order.externalId)!
                    let recorded = id < 1500 && id % 3 == 0
                    switch decision {
                    case .new: #expect(!recorded, "order \(id) in a batch of \(size)")
                    case .duplicate(let entry): #expect(recorded && order.hash == "h" && entry.externalId == order.externalId)
                    case .changed(let entry): #expect(recorded && order.hash != "h" && entry.externalId == order.externalId)
                    }
                }
            }
        }
    }

    @Test func preventsADuplicateAcrossAStoreReopen() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state.sqlite").path
            let input = dir.appendingPathComponent("orders.xml")
            try writeMagentoOrders([baseOrder(1), baseOrder(2)], to: input)
            let mapper = OrderFileMapper(settings: OrderMappingSettings(), logger: quietLogger)

            // First run: both orders go out and are recorded with the output's commit.
            do {
                let store = try StateStore(path: path, migrations: Ledger.migrations)
                let ledger = Ledger(store: store, profile: "magento-sage")
                let sent = SentOrders(spillFile: dir.appendingPathComponent("sent.tsv"))
                let summary = try mapper.map(
                    input: input, output: { dir.appendingPathComponent("out1.xml") }, fail: nil, sent: sent,
                    lookup: { try ledger.decide($0) })
                #expect(summary.sent == 2)
                try await store.write { db in try sent.record(into: ledger, db: db) }
            }
            // "Restart": a new store on the same file sees them; the same download is skipped.
            let store = try StateStore(path: path, migrations: Ledger.migrations)
            let ledger = Ledger(store: store, profile: "magento-sage")
            let out2 = dir.appendingPathComponent("out2.xml")
            let again = try mapper.map(
                input: input, output: { out2 }, fail: nil, sent: nil,
                lookup: { try ledger.decide($0) })
            #expect(again.sent == 0)
            #expect(again.duplicates == 2)
            #expect(!FileManager.default.fileExists(atPath: out2.path))

            // A changed order is reported, not re-imported.
            var changed = baseOrder(2)
            changed.shippingAddress?.postcode = "NE2 3AE"
            try writeMagentoOrders([changed], to: input)
            let third = try mapper.map(
                input: input, output: { out2 }, fail: nil, sent: nil,
                lookup: { try ledger.decide($0) })
            #expect(third.changed == 1 && third.sent == 0)

            // A success file fills in Sage's order number; show and export find it.
            try await store.write { db in
                _ = try ledger.setInternalId(db, externalId: "1", externalRef: nil, internalId: "90001")
            }
            let shown = try Ledger.show(store: store, order: "100000001")
            #expect(shown.map(\.internalId) == ["90001"])
            #expect(Ledger.describe(shown[0]).contains("Sage order 90001"))
            let csv = try Ledger.exportCSV(store: store)
            let lines = csv.split(separator: "\r\n")
            #expect(lines.count == 3)
            #expect(lines[0].hasPrefix("profile,record_type,external_id,external_ref,internal_id"))
            #expect(lines.contains { $0.hasPrefix("magento-sage,sales-order,1,100000001,90001,") })
        }
    }

    @Test func csvQuotesFields() {
        #expect(Ledger.csvField("a,b") == "\"a,b\"")
        #expect(Ledger.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(Ledger.csvField("plain") == "plain")
    }

    /// A list of one order goes into the ledger without a savepoint (there is nothing to undo). An order the
    /// ledger already has still fails the commit with the conflict that names it, as in a longer list, and the
    /// row already there is left as it was.
    @Test func anOrderAlreadyInTheLedgerIsAConflictWhateverTheListsLength() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore(path: dir.appendingPathComponent("state.sqlite").path, migrations: Ledger.migrations)
            let ledger = Ledger(store: store, profile: "magento-sage")
            try store.write { db in _ = try ledger.record(db, externalId: "7", externalRef: "R7", hash: "first") }
            for ids in [["7"], ["6", "7"], ["7", "8"]] {
                let sent = SentOrders(spillFile: dir.appendingPathComponent("sent.tsv"))
                for id in ids { try sent.add(externalId: id, externalRef: "R\(id)", hash: "second") }
                #expect {
                    try store.write { db in try sent.record(into: ledger, db: db) }
                } throws: { error in
                    "\(error)".contains("order R7 (entity 7) was sent by another file")
                }
                #expect(try Ledger.show(store: store, order: "7").map(\.hash) == ["first"])
                #expect(try Ledger.show(store: store, order: "6").isEmpty && Ledger.show(store: store, order: "8").isEmpty)
            }
            let sent = SentOrders(spillFile: dir.appendingPathComponent("sent.tsv"))
            try sent.add(externalId: "9", externalRef: "R9", hash: "h")
            try store.write { db in try sent.record(into: ledger, db: db) }
            #expect(try Ledger.show(store: store, order: "9").map(\.hash) == ["h"])
        }
    }
}

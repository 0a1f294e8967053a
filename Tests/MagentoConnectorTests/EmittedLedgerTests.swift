import FerryState
import Foundation
import GRDB
import Testing

@testable import MagentoConnector

/// The emitted-order ledger keeps the versions of the last 7 days before the watermark. A batch's older versions
/// are no longer inserted only to be deleted in the same commit (#18: most of a first sync's commit); what the
/// ledger holds afterwards is what it held before that change.
@Suite struct EmittedLedgerTests {
    static func rows(_ store: StateStore) async throws -> [String] {
        try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT entity_id, updated_at FROM magento_emitted_order WHERE scope = 'dl' ORDER BY entity_id")
                .map { "\($0[0] as Int) \($0[1] as String)" }
        }
    }

    @Test func keepsTheVersionsOfTheLastSevenDaysWhicheverBatchBroughtThem() async throws {
        try await withSandbox(orders: 1) { _, _, store in
            // An earlier run without a watermark (every status, "sinceLastRun": false) left two versions.
            var earlier = DownloadBatch(alreadyEmitted: 0, scope: "dl", requests: 1)
            earlier.emitted = [
                EmittedOrder(entityID: 1, updatedAt: "2025-01-01 00:00:00", incrementID: "1"),
                EmittedOrder(entityID: 2, updatedAt: "2025-02-25 00:00:00", incrementID: "2"),
            ]
            try await store.write { [earlier] db in try OrderDownloader.record(earlier, in: db) }
            #expect(try await Self.rows(store) == ["1 2025-01-01 00:00:00", "2 2025-02-25 00:00:00"])

            var batch = DownloadBatch(alreadyEmitted: 0, scope: "dl", requests: 3)
            batch.emitted = [
                EmittedOrder(entityID: 3, updatedAt: "2025-01-15 10:00:00", incrementID: "3"),
                EmittedOrder(entityID: 4, updatedAt: "2025-02-21 23:59:59", incrementID: "4"),
                EmittedOrder(entityID: 5, updatedAt: "2025-02-22 00:00:00", incrementID: "5"),
                EmittedOrder(entityID: 6, updatedAt: "2025-03-01 00:00:00", incrementID: "6"),
            ]
            batch.newWatermark = "2025-03-01 00:00:00"
            try await store.write { [batch] db in try OrderDownloader.record(batch, in: db) }
            // The horizon is 2025-02-22 00:00:00: from both batches, the versions at or after it.
            #expect(try await Self.rows(store) == ["2 2025-02-25 00:00:00", "5 2025-02-22 00:00:00", "6 2025-03-01 00:00:00"])
            let mark = try await store.read { db in
                try String.fetchOne(db, sql: "SELECT updated_at FROM magento_download_watermark WHERE scope = 'dl'")
            }
            #expect(mark == "2025-03-01 00:00:00")
        }
    }
}

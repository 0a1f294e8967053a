import FerryState
import Foundation
import GRDB
import Sage200Connector
import Sage200Sandbox
import SageSide
import Testing

/// `sage200.export-stock`' core: changed holdings, free stock summed over the configured warehouses.
@Suite struct StockExportTests {
    @Test func firstRunExportsEverythingThenOnlyWhatChanged() async throws {
        try await withSage200 { sage in
            let exporter = Sage200StockExporter(
                client: sage.client, store: sage.store, scope: "stock", warehouses: ["HOME", "WEB"], overlapSeconds: 0)
            let (first, commit) = try await exporter.changes()
            try await sage.store.write { db in try commit(db) }
            let expected = await sage.server.store.freeStock(warehouses: ["HOME", "WEB"])
            #expect(Dictionary(uniqueKeysWithValues: first.map { ($0.code, $0.quantity) }) == expected.mapValues { max($0, 0) })

            // An order allocates stock; a goods receipt changes another product.
            let order = demoOrder(2, lines: 1)
            _ = try await sage.importer().importOrder(order)
            let received = expected.keys.sorted().last!
            await sage.server.store.setStock(code: received, warehouse: "WEB", inStock: 40)
            let (second, commit2) = try await exporter.changes()
            try await sage.store.write { db in try commit2(db) }
            let now = await sage.server.store.freeStock(warehouses: ["HOME", "WEB"])
            #expect(Set(second.map(\.code)) == [order.items[0].sku, received])
            for level in second { #expect(level.quantity == now[level.code]) }

            let (third, _) = try await exporter.changes()
            #expect(third.isEmpty)
        }
    }
}

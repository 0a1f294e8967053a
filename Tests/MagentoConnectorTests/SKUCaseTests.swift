import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox
import Testing

/// Magento matches SKUs regardless of case (MySQL's `_ci` collation): Sage's `MUG-BLUE-11OZ` is the catalogue's
/// `Mug-Blue-11oz`, in the MSI existence check and in the ledger of levels already sent.
@Suite struct SKUCaseTests {
    @Test func msiFindsAProductWhateverTheCaseAndRemembersItsLevel() async throws {
        try await withSandbox(orders: 1) { sandbox, client, store in
            let sku = try #require(await sandbox.store.addSimpleProducts(count: 1, prefix: "Mug-Blue-11oz-").first)
            let uploader = InventoryUploader(client: client, store: store, scope: "msi", settings: InventorySettings(mode: "msi"))
            let first = try await uploader.upload([InventoryRecord(sku: sku.uppercased(), qty: 7, isInStock: true)])
            #expect(first == [.uploaded])
            // Saved under the catalogue's spelling, not as a second, silent source item.
            #expect(await sandbox.store.sourceQuantity(sku) == 7)
            #expect(await sandbox.store.sourceQuantity(sku.uppercased()) == nil)
            let again = try await uploader.upload([InventoryRecord(sku: sku.lowercased(), qty: 7, isInStock: true)])
            #expect(again == [.unchanged])
            let changed = try await uploader.upload([InventoryRecord(sku: sku, qty: 3, isInStock: true)])
            #expect(changed == [.uploaded])
            #expect(await sandbox.store.sourceQuantity(sku) == 3)
        }
    }

    @Test func legacyLedgerLooksUpSKUsWhateverTheCase() async throws {
        try await withSandbox(orders: 1) { sandbox, client, store in
            let sku = try #require(await sandbox.store.addSimpleProducts(count: 1, prefix: "Mug-Blue-11oz-").first)
            let uploader = InventoryUploader(client: client, store: store, scope: "legacy", settings: InventorySettings())
            #expect(try await uploader.upload([InventoryRecord(sku: sku.uppercased(), qty: 4, isInStock: true)]) == [.uploaded])
            #expect(await sandbox.store.stockLevel(sku)?.qty == 4)
            #expect(try await uploader.upload([InventoryRecord(sku: sku, qty: 4, isInStock: true)]) == [.unchanged])
            // A new spelling replaces the old row: one level per SKU, the last one sent.
            #expect(try await uploader.upload([InventoryRecord(sku: sku.lowercased(), qty: 9, isInStock: true)]) == [.uploaded])
            #expect(try await uploader.upload([InventoryRecord(sku: sku.uppercased(), qty: 9, isInStock: true)]) == [.unchanged])
            #expect(await sandbox.store.stockLevel(sku)?.qty == 9)
        }
    }
}

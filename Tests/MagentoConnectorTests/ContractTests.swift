import FerryTestSupport
import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox
import Testing

/// Every request ferry sends and every answer the sandbox gives, checked against Adobe's admin schema by
/// Python's jsonschema. Skipped when python3, its modules or `../shared/reference` are missing.
@Suite struct ContractTests {
    static let schema = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/reference/magento/admin-schema-2.4.9.yaml")

    static var available: Bool {
        guard FileManager.default.fileExists(atPath: schema.path) else { return false }
        return (try? runProcess("/usr/bin/env", ["python3", "-c", "import yaml, jsonschema"]).status) == 0
    }

    @Test(.enabled(if: ContractTests.available, "python3 with yaml+jsonschema and ../shared/reference needed"))
    func exchangesValidateAgainstAdobeSchema() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-contract-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withSandbox(orders: 30, options: MagentoSandboxOptions(inputLimits: true).withExported()) { sandbox, client, store in
            let downloader = OrderDownloader(
                client: client, store: store, scope: "c", settings: DownloadSettings(stages: [], sinceLastRun: false, pageSize: 7))
            _ = try await downloader.fetch()
            let updater = OrderUpdater(client: client, store: store, scope: "c", settings: UpdateSettings(notifyStage: "exported", customStatuses: exportedStatus))
            _ = try await updater.update([
                OrderUpdateRequest(incrementID: "100000002", comment: "Sage 90130"),
                OrderUpdateRequest(incrementID: "100000003", comment: nil),
            ])
            _ = try await updater.update([OrderUpdateRequest(incrementID: "100000003", comment: "status rule")])
            let legacy = InventoryUploader(client: client, store: store, scope: "l", settings: InventorySettings())
            _ = try await legacy.upload([
                InventoryRecord(sku: "BOARD001", qty: 5, isInStock: true), InventoryRecord(sku: "GHOST", qty: 1, isInStock: true),
            ])
            let msi = InventoryUploader(client: client, store: store, scope: "m", settings: InventorySettings(mode: "msi", chunkSize: 40))
            let skus = await sandbox.store.products.filter { $0.kind == .simple }.map(\.sku)
            _ = try await msi.upload(skus.map { InventoryRecord(sku: $0, qty: 3, isInStock: true) })
            _ = try? await client.order(entityID: 99999)
            // Write the exchanges where the validator reads them.
            try await contractLines(sandbox).write(to: dir.appendingPathComponent("exchanges.jsonl"), atomically: true, encoding: .utf8)
        }
        let script = packageRoot.appendingPathComponent("Tests/contract/validate_magento.py").path
        let (status, output) = try runProcess("/usr/bin/env", ["python3", script, Self.schema.path, dir.path])
        #expect(status == 0, "\(output)")
    }
}

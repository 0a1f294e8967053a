import FerryPipeline
import FerryValues
import FerryXML
import Foundation
import Sage200Connector
import SageSide

/// `sage200.export-stock` (scheduled): free stock of the products whose warehouse holdings changed since the last
/// run, summed over the configured warehouses, as the `ArrayOfInventory` file `magento.upload-inventory` takes.
struct Sage200ExportStockTask: ScheduledTask {
    /// The task's settings.
    struct Settings: Decodable {
        /// Warehouses (names) whose free stock Magento may sell, default `["HOME"]`.
        var warehouses: [String]?
        /// Seconds each run re-reads before the last one's newest change, default 120.
        var overlapSeconds: Double?
    }

    static let kind = TaskKind.scheduled(
        name: "sage200.export-stock", settingsKeys: ["warehouses", "overlapSeconds"],
        migrations: Sage200Ledger.migrations
    ) { settings, environment in
        let own = try settings.decode(Settings.self)
        if let warehouses = own.warehouses, warehouses.isEmpty {
            throw TaskSettingsError(settingsPath: settings.path, key: "warehouses", message: "name at least one warehouse")
        }
        let client = try environment.sage200Client()
        return Sage200ExportStockTask(
            exporter: Sage200StockExporter(
                client: client, store: environment.store, scope: environment.stageName,
                warehouses: own.warehouses ?? ["HOME"], overlapSeconds: own.overlapSeconds ?? 120),
            client: client)
    }

    let exporter: Sage200StockExporter
    /// For the refresh token's expiry notice.
    let client: Sage200Client

    func run(_ context: TaskContext) async throws {
        await client.noticeExpiringAuthorization(to: context)
        let (levels, commit) = try await exporter.changes()
        context.onCommit(commit)
        context.count("skus.exported", by: levels.count)
        guard !levels.isEmpty else { return }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let url = try context.createOutput("out", name: "sage200-stock-\(stamp).xml").url
        try await offload {
            let writer = try XMLStreamWriter(url: url)
            try writer.startElement("ArrayOfInventory")
            for level in levels {
                try writer.write(InventoryRecord(sku: level.code, qty: level.quantity, isInStock: level.quantity > 0).element)
            }
            try writer.endElement()
            try writer.finish()
        }
    }
}

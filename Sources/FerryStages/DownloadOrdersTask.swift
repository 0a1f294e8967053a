import FerryPipeline
import Foundation
import MagentoConnector

/// `magento.download-orders`: scheduled; writes new and changed orders as Magento order XML.
struct DownloadOrdersTask: StageTask {
    /// Settings on top of the connection: ``DownloadSettings`` plus the file size.
    struct FileSettings: Codable {
        /// Orders per output file, default 500.
        var maxOrdersPerFile: Int?
    }

    static let kind = TaskKind(
        name: "magento.download-orders", trigger: .schedule,
        settingsKeys: MagentoConnectionSettings.keys.union([
            "filterProperty", "filterType", "filterValue", "stages", "sinceLastRun", "pageSize", "overlapSeconds",
            "initialSince", "paging", "maxOrdersPerFile", "includeCanceledAndClosed",
        ]),
        migrations: MagentoState.migrations
    ) { settings, environment in
        let download = try settings.decode(DownloadSettings.self)
        if let (key, message) = download.validate() {
            throw TaskSettingsError(settingsPath: settings.path, key: key, message: message)
        }
        let file = try settings.decode(FileSettings.self)
        if let m = file.maxOrdersPerFile, m < 1 {
            throw TaskSettingsError(settingsPath: settings.path, key: "maxOrdersPerFile", message: "must be at least 1")
        }
        let downloader = OrderDownloader(
            client: try settings.magentoClient(environment), store: environment.store, scope: environment.stageName,
            settings: download, logger: environment.logger)
        return DownloadOrdersTask(downloader: downloader, maxPerFile: file.maxOrdersPerFile ?? 500)
    }

    let downloader: OrderDownloader
    let maxPerFile: Int

    func run(_ context: TaskContext) async throws {
        let batch = try await downloader.fetch { done, total in context.progress("orders", done: done, total: total) }
        var start = 0
        while start < batch.orders.count {
            let chunk = Array(batch.orders[start..<min(start + maxPerFile, batch.orders.count)])
            start += chunk.count
            // Named after the versions inside, so a re-run after a crash replaces rather than duplicates.
            let newest = chunk.compactMap(\.updatedAt).max() ?? ""
            let stamp = newest.filter(\.isNumber)
            let name = "magento-orders-\(stamp)-\(chunk.first?.entityID ?? 0)-\(chunk.last?.entityID ?? 0).xml"
            let output = try context.createOutput("out", name: name)
            try OrderXMLWriter.write(chunk, to: output.url)
        }
        context.count("orders.downloaded", by: batch.orders.count)
        context.count("orders.already-emitted", by: batch.alreadyEmitted)
        if batch.canceledOrClosed > 0 { context.count("orders.canceled-or-closed", by: batch.canceledOrClosed) }
        context.onCommit { db in try OrderDownloader.record(batch, in: db) }
    }
}

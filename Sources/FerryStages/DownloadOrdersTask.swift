import FerryPipeline
import Foundation
import MagentoConnector

/// `magento.download-orders`: scheduled; writes new and changed orders as Magento order XML.
struct DownloadOrdersTask: ScheduledTask {
    /// Settings on top of the connection: ``DownloadSettings`` plus the file size.
    struct FileSettings: Codable {
        /// Orders per output file, default 500.
        var maxOrdersPerFile: Int?
    }

    static let kind = TaskKind.scheduled(
        name: "magento.download-orders",
        settingsKeys: MagentoConnectionSettings.keys.union([
            "filterProperty", "filterType", "filterValue", "stages", "sinceLastRun", "pageSize", "overlapSeconds",
            "initialSince", "paging", "maxOrdersPerFile", "includeCanceledAndClosed",
        ]),
        migrations: MagentoState.migrations
    ) { settings, environment in
        let downloader: OrderDownloader = try settings.magentoJob(environment)
        let file = try settings.decode(FileSettings.self)
        if let m = file.maxOrdersPerFile, m < 1 {
            throw TaskSettingsError(settingsPath: settings.path, key: "maxOrdersPerFile", message: "must be at least 1")
        }
        return DownloadOrdersTask(downloader: downloader, maxPerFile: file.maxOrdersPerFile ?? 500)
    }

    let downloader: OrderDownloader
    let maxPerFile: Int

    func run(_ context: TaskContext) async throws {
        // Orders go to files of at most maxPerFile as the pages arrive: memory holds the file being written and the
        // one being filled, not the whole download.
        var chunk: [MagentoOrder] = []
        // A full file is written while the next pages are fetched (#18: writing the XML was about 40 % of the
        // download's CPU, and the fetches waited for it); at most one write is in flight.
        var writing: Task<Void, any Error>?
        func writeFile() async throws {
            defer { chunk.removeAll(keepingCapacity: true) }
            // Named after the versions inside, so a re-run after a crash replaces rather than duplicates.
            let newest = chunk.compactMap(\.updatedAt).max() ?? ""
            let stamp = newest.filter(\.isNumber)
            let name = "magento-orders-\(stamp)-\(chunk.first?.entityID ?? 0)-\(chunk.last?.entityID ?? 0).xml"
            let url = try context.createOutput("out", name: name).url
            let orders = chunk
            if let previous = writing {
                writing = nil
                try await previous.value
            }
            // Blocking file writing runs off the cooperative pool.
            writing = Task { try await offload { try OrderXMLWriter.write(orders, to: url) } }
        }
        let batch: DownloadBatch
        do {
            batch = try await downloader.download(progress: { done, total in context.progress("orders", done: done, total: total) }) {
                for order in $0 {
                    chunk.append(order)
                    if chunk.count == maxPerFile { try await writeFile() }
                }
            }
            if !chunk.isEmpty { try await writeFile() }
            try await writing?.value
        } catch {
            // Nothing is written behind a failed run's back: its write finishes before the engine cleans up.
            _ = try? await writing?.value
            throw error
        }
        context.count("orders.downloaded", by: batch.emitted.count)
        context.count("orders.already-emitted", by: batch.alreadyEmitted)
        if batch.canceledOrClosed > 0 { context.count("orders.canceled-or-closed", by: batch.canceledOrClosed) }
        context.onCommit { db in try OrderDownloader.record(batch, in: db) }
    }
}

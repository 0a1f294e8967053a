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

    /// The output file being filled: its scratch file (written by one write at a time, in order) and what names it.
    /// `@unchecked`: `file` is touched by the writes alone, which never overlap; the other fields by the run alone.
    /// An unfinished file is closed, without what it still buffered, when the run lets its `Filling` go.
    private final class Filling: @unchecked Sendable {
        let scratch: URL
        var file: OrderXMLWriter.File?
        /// The first order's entity_id, and the last one's so far.
        let first: Int
        var last = 0
        var newest = ""
        var count = 0
        init(scratch: URL, first: Int) {
            self.scratch = scratch
            self.first = first
        }
    }

    func run(_ context: TaskContext) async throws {
        // Each page's orders are written as they arrive, into a scratch file that becomes the output once it holds
        // maxPerFile orders or the download ends: memory holds a few pages, not a file's 500 orders (#18). The
        // writes run one at a time, in order, each after the one before, while the download goes on: it waits only
        // when two are already queued behind the one running (#18: waiting for each write held up the next fetch).
        var filling: Filling?
        var writing: [Task<Void, any Error>] = []
        /// Waits for every write queued, in order.
        func settle() async throws {
            while !writing.isEmpty { try await writing.removeFirst().value }
        }
        /// Queues `body` for the blocking pool after the writes before it, and returns without waiting for it.
        func write(_ body: @escaping @Sendable () throws -> Void) async throws {
            if writing.count > 2 { try await writing.removeFirst().value }
            let previous = writing.last
            writing.append(Task {
                try await previous?.value
                try await offload(body)
            })
        }
        func take(_ orders: [MagentoOrder]) async throws {
            guard !orders.isEmpty else { return }
            let target = try filling ?? Filling(scratch: context.scratchFile(for: "out"), first: orders[0].entityID ?? 0)
            filling = target
            target.last = orders[orders.count - 1].entityID ?? 0
            target.newest = max(target.newest, orders.compactMap(\.updatedAt).max() ?? "")
            target.count += orders.count
            try await write {
                if target.file == nil { target.file = try OrderXMLWriter.File(url: target.scratch) }
                try target.file?.append(orders)
            }
            if target.count >= maxPerFile { try await close() }
        }
        /// Queues the current file's end: finished, then made the output (whole before it becomes one).
        func close() async throws {
            guard let target = filling else { return }
            filling = nil
            // Named after the versions inside, so a re-run after a crash replaces rather than duplicates.
            let name = "magento-orders-\(target.newest.filter(\.isNumber))-\(target.first)-\(target.last).xml"
            try await write {
                defer { target.file = nil }
                try target.file?.finish()
                _ = try context.createOutput("out", name: name, from: target.scratch)
            }
        }
        let batch: DownloadBatch
        do {
            batch = try await downloader.download(progress: { done, total in context.progress("orders", done: done, total: total) }) {
                var rest = $0[...]
                while !rest.isEmpty {
                    let room = maxPerFile - (filling?.count ?? 0)
                    try await take(Array(rest.prefix(room)))
                    rest = rest.dropFirst(room)
                }
            }
            try await close()
            try await settle()
        } catch {
            // Nothing is written behind a failed run's back: its queued writes end (those after a failed one do
            // nothing) before the engine deletes the run's scratch files.
            while !writing.isEmpty { _ = try? await writing.removeFirst().value }
            throw error
        }
        context.count("orders.downloaded", by: batch.emitted.count)
        context.count("orders.already-emitted", by: batch.alreadyEmitted)
        if batch.canceledOrClosed > 0 { context.count("orders.canceled-or-closed", by: batch.canceledOrClosed) }
        context.onCommit { db in try OrderDownloader.record(batch, in: db) }
    }
}

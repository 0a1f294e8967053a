import FerryState
import FerryValues
import GRDB
import Foundation
import Logging
import MagentoConnector
import MagentoSandbox

/// Case 4: the Magento connector against the sandbox on loopback.
struct MagentoBench {
    struct DownloadRow {
        var orders: Int
        var seconds: [Double] = []
        var requests = 0
        var fetched = 0
    }

    struct InventoryRow {
        var skus: Int
        var changed: Int
        var msiSeconds: [Double] = []
        var msiRequests = 0
        var msiUploaded = 0
        var legacySeconds: [Double] = []
        var legacyRequests = 0
        var everythingSeconds: [Double] = []
        var everythingRequests = 0
    }

    let root: URL
    let repeats: Int
    static let token = "bench-token"

    static var quiet: Logger {
        var logger = Logger(label: "ferry.bench")
        logger.logLevel = .critical
        return logger
    }

    func client(port: Int) -> MagentoClient {
        MagentoClient(
            configuration: MagentoConfiguration(
                baseURL: "http://127.0.0.1:\(port)", auth: .bearer(Self.token),
                http: HTTPClientOptions(connectTimeout: 10, requestTimeout: 120, stallTimeout: 30),
                retry: RetryPolicy(maxAttempts: 3, initial: .milliseconds(50), maximum: .milliseconds(500))),
            logger: Self.quiet)
    }

    func store(_ name: String) throws -> StateStore {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let path = root.appendingPathComponent("\(name)-\(UUID().uuidString).sqlite").path
        return try StateStore(path: path, migrations: MagentoState.migrations)
    }

    /// Downloads `count` orders (default page size 100) and writes them as the order file the stage emits.
    func download(sizes: [Int]) async throws -> [DownloadRow] {
        try makeFolder(root)
        var rows: [DownloadRow] = []
        for size in sizes {
            var options = MagentoSandboxOptions()
            options.bearerTokens = [Self.token]
            options.recordRequests = true
            let sandbox = MagentoSandboxServer(seed: 7, orders: size, options: options, logger: Self.quiet)
            let port = try await sandbox.start(port: 0)
            var row = DownloadRow(orders: size)
            for _ in 0..<repeats {
                await sandbox.store.clearLog()
                let downloader = OrderDownloader(
                    client: client(port: port), store: try store("download"), scope: "download",
                    settings: DownloadSettings(stages: [], sinceLastRun: false), logger: Self.quiet)
                let output = root.appendingPathComponent("orders.xml")
                let started = now()
                let batch = try await downloader.fetch()
                try OrderXMLWriter.write(batch.orders, to: output)
                try await downloader.store.write { db in try OrderDownloader.record(batch, in: db) }
                row.seconds.append(now() - started)
                row.fetched = batch.orders.count
                row.requests = await sandbox.store.requestLog().count
                try? FileManager.default.removeItem(at: output)
                note("download \(size): \(batch.orders.count) orders in \(String(format: "%.2f", row.seconds.last!)) s, \(row.requests) requests")
            }
            await sandbox.stop()
            rows.append(row)
        }
        return rows
    }

    /// An inventory sync of `skus` levels, 1 % changed since the last upload, MSI and legacy, against a per-SKU
    /// upload of everything.
    func inventory(sizes: [Int], changedPercent: Int = 1) async throws -> [InventoryRow] {
        try makeFolder(root)
        var rows: [InventoryRow] = []
        for size in sizes {
            var options = MagentoSandboxOptions()
            options.bearerTokens = [Self.token]
            let sandbox = MagentoSandboxServer(seed: 7, orders: 1, options: options, logger: Self.quiet)
            let skus = await sandbox.store.addSimpleProducts(count: size)
            let port = try await sandbox.start(port: 0)
            let changed = size * changedPercent / 100
            var row = InventoryRow(skus: size, changed: changed)
            // The levels of the previous sync, and today's: every 100th SKU changed.
            let before = skus.map { InventoryRecord(sku: $0, qty: 10, isInStock: true) }
            var after = before
            for i in stride(from: 0, to: size, by: 100 / changedPercent) { after[i].qty = 11 }
            for round in 0..<repeats {
                for (mode, scope) in [("msi", "inv-msi-\(round)"), ("legacy", "inv-legacy-\(round)")] {
                    let state = try store("inventory")
                    try Self.seedLastUpload(before, scope: scope, store: state)
                    await sandbox.store.clearLog()
                    let uploader = InventoryUploader(
                        client: client(port: port), store: state, scope: scope, settings: InventorySettings(mode: mode),
                        logger: Self.quiet)
                    let started = now()
                    let outcomes = try await uploader.upload(after)
                    let seconds = now() - started
                    let requests = await sandbox.store.requestLog().count
                    let uploaded = outcomes.filter { $0 == .uploaded }.count
                    if mode == "msi" {
                        row.msiSeconds.append(seconds)
                        row.msiRequests = requests
                        row.msiUploaded = uploaded
                    } else {
                        row.legacySeconds.append(seconds)
                        row.legacyRequests = requests
                    }
                    note("inventory \(size) \(mode): \(uploaded) uploaded, \(requests) requests, \(String(format: "%.2f", seconds)) s")
                }
                // The baseline: a per-SKU upload of every level (what a sync without change tracking sends).
                await sandbox.store.clearLog()
                let everything = InventoryUploader(
                    client: client(port: port), store: try store("inventory"), scope: "all-\(round)",
                    settings: InventorySettings(mode: "legacy", sendAll: true), logger: Self.quiet)
                let started = now()
                _ = try await everything.upload(after)
                row.everythingSeconds.append(now() - started)
                row.everythingRequests = await sandbox.store.requestLog().count
                note("inventory \(size) everything: \(row.everythingRequests) requests, \(String(format: "%.2f", row.everythingSeconds.last!)) s")
            }
            await sandbox.stop()
            rows.append(row)
        }
        try? FileManager.default.removeItem(at: root)
        return rows
    }

    /// Writes the state a previous sync leaves: the last level uploaded per SKU.
    static func seedLastUpload(_ records: [InventoryRecord], scope: String, store: StateStore) throws {
        let rows = records.map { ($0.sku, $0.qty.description, $0.isInStock ? 1 : 0) }
        try store.write { db in
            for (sku, qty, inStock) in rows {
                try db.execute(
                    sql: "INSERT INTO magento_stock_level (scope, sku, qty, is_in_stock, uploaded_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [scope, sku, qty, inStock, "2026-01-01 00:00:00"])
            }
        }
        // As a previous sync leaves it: its rows checkpointed into the database file. Left in the WAL, the timed
        // sync's first write copied 100,000 seeded rows back (a checkpoint past 4 MiB), a cost of the seeding that
        // grew faster than the work and made the 10x scale figures 12-18x.
        try store.checkpoint()
    }
}

public import Foundation
public import FerryState
import GRDB
public import Logging

/// Settings of an order download (the `magento.download-orders` task's `settings`).
public struct DownloadSettings: Sendable, Codable {
    /// Extra filter field (`created_at`, `customer_group_id`, ...); nil for none.
    public var filterProperty: String?
    /// Its condition type.
    public var filterType: SearchCriteria.Condition?
    /// Its value (`in`/`nin`: a comma list; `like`: with `%`).
    public var filterValue: String?
    /// Statuses to download (`status in`), default `pending`. Empty downloads every status.
    public var stages: [String]?
    /// Since last run (updated_at watermark) or every matching order each time.
    public var sinceLastRun: Bool?
    /// Orders per request (1...300), default 100.
    public var pageSize: Int?
    /// Seconds the next run looks back before the watermark (clock skew, late commits), default 600.
    public var overlapSeconds: Int?
    /// First run of "since last run": start here (`YYYY-MM-DD HH:MM:SS` UTC); nil takes every order.
    public var initialSince: String?
    /// `keyset` (default: sort entity_id, filter entity_id gt last) or `offset` (currentPage) paging.
    public var paging: String?
    /// Also emit orders in state `canceled` or `closed` (default false: they are not sales to import, whatever
    /// `stages` or the filter lets through).
    public var includeCanceledAndClosed: Bool?

    /// Creates settings (every field defaulted).
    public init(
        filterProperty: String? = nil, filterType: SearchCriteria.Condition? = nil, filterValue: String? = nil,
        stages: [String]? = nil, sinceLastRun: Bool? = nil, pageSize: Int? = nil, overlapSeconds: Int? = nil,
        initialSince: String? = nil, paging: String? = nil, includeCanceledAndClosed: Bool? = nil
    ) {
        self.includeCanceledAndClosed = includeCanceledAndClosed
        self.filterProperty = filterProperty
        self.filterType = filterType
        self.filterValue = filterValue
        self.stages = stages
        self.sinceLastRun = sinceLastRun
        self.pageSize = pageSize
        self.overlapSeconds = overlapSeconds
        self.initialSince = initialSince
        self.paging = paging
    }

    var effectiveStages: [String] { stages ?? ["pending"] }
    var effectivePageSize: Int { pageSize ?? 100 }
    var effectiveSinceLastRun: Bool { sinceLastRun ?? true }
    var effectiveOverlap: Int { overlapSeconds ?? 600 }
    var offsetPaging: Bool { paging == "offset" }

    /// Checks ranges; returns (key, problem) for the first bad setting.
    public func validate() -> (key: String, message: String)? {
        if let p = pageSize, !(1...300).contains(p) {
            return ("pageSize", "must be 1...300 (Magento's input limit caps pages at 300); the default is 100")
        }
        if (filterProperty == nil) != (filterType == nil) {
            return ("filterType", "filterProperty and filterType go together: set both or neither")
        }
        if let t = filterType, ![.null, .notnull].contains(t), filterValue == nil {
            return ("filterValue", "filterType \(t.rawValue) needs a filterValue")
        }
        if let paging, !["keyset", "offset"].contains(paging) {
            return ("paging", "must be \"keyset\" or \"offset\"")
        }
        if let s = initialSince, MagentoDate.date(s) == nil {
            return ("initialSince", "must be 'YYYY-MM-DD HH:MM:SS' (UTC), e.g. 2024-01-31 00:00:00")
        }
        return nil
    }
}

/// What a download fetched: the orders to emit and what to record once they are durably written.
public struct DownloadBatch: Sendable {
    /// New orders (or new versions of orders), by entity_id ascending.
    public var orders: [MagentoOrder]
    /// Orders skipped because the same (entity_id, updated_at) was already emitted.
    public var alreadyEmitted: Int
    /// Orders left out because they are canceled or closed (``DownloadSettings/includeCanceledAndClosed``).
    public var canceledOrClosed: Int = 0
    /// The watermark to store on commit; nil leaves it.
    public var newWatermark: String?
    /// The ledger scope (the stage name).
    public var scope: String
    /// Requests made.
    public var requests: Int
}

/// Downloads orders with keyset paging and an updated_at watermark, skipping versions already emitted.
public struct OrderDownloader: Sendable {
    public let client: MagentoClient
    public let store: StateStore
    public let scope: String
    public let settings: DownloadSettings
    let logger: Logger

    /// Creates a downloader.
    /// - Parameter scope: the ledger's key, normally the stage name.
    public init(
        client: MagentoClient, store: StateStore, scope: String, settings: DownloadSettings,
        logger: Logger = Logger(label: "ferry.magento")
    ) {
        self.client = client
        self.store = store
        self.scope = scope
        self.settings = settings
        self.logger = logger
    }

    /// The stored watermark, if any.
    public func watermark() throws -> String? {
        let scope = self.scope
        return try store.read { db in
            try String.fetchOne(db, sql: "SELECT updated_at FROM magento_download_watermark WHERE scope = ?", arguments: [scope])
        }
    }

    /// The criteria of every page, without the paging part.
    func baseCriteria(since: String?) -> SearchCriteria {
        var criteria = SearchCriteria()
        let stages = settings.effectiveStages
        if !stages.isEmpty {
            criteria.require(.init("status", stages.count == 1 ? .eq : .in, stages.joined(separator: ",")))
        }
        if let since { criteria.require(.init("updated_at", .gteq, since)) }
        if let field = settings.filterProperty, let type = settings.filterType {
            criteria.require(.init(field, type, settings.filterValue ?? ""))
        }
        return criteria
    }

    /// Fetches every matching order not emitted yet.
    ///
    /// - Parameters:
    ///   - now: the run's start (tests pass a fixed clock); the watermark never passes it, so an order
    ///     changed while the download runs is fetched again next time.
    ///   - progress: called after each page with the orders fetched so far and the total Magento reports.
    /// - Throws: ``MagentoError`` (transient ones are worth a retry of the whole run: nothing was recorded).
    public func fetch(now: Date = Date(), progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> DownloadBatch {
        let sinceLastRun = settings.effectiveSinceLastRun
        var since: String?
        if sinceLastRun {
            if let mark = try watermark(), let date = MagentoDate.date(mark) {
                since = MagentoDate.string(date.addingTimeInterval(-Double(settings.effectiveOverlap)))
            } else {
                since = settings.initialSince
            }
        }
        let runStart = MagentoDate.string(now)
        let pageSize = settings.effectivePageSize
        var seen: [Int: MagentoOrder] = [:]
        var requests = 0
        var lastID = 0
        var page = 1
        while true {
            // Nothing is recorded before the file is committed, so stopping between pages loses nothing.
            if Task.isCancelled { throw MagentoError.stopped("order download") }
            var criteria = baseCriteria(since: since)
            criteria.sortOrders = [("entity_id", true)]
            criteria.pageSize = pageSize
            if settings.offsetPaging {
                criteria.currentPage = page
            } else {
                criteria.require(.init("entity_id", .gt, String(lastID)))
                criteria.currentPage = 1
            }
            let result = try await client.searchOrders(criteria)
            requests += 1
            var fresh = 0
            for item in result.items {
                let order = MagentoOrder(json: item)
                guard let id = order.entityID else { continue }
                // A 2.3 store clamps a page past the end to the last page: already-seen ids mean "done".
                if seen[id] == nil { fresh += 1 }
                seen[id] = order
                lastID = max(lastID, id)
            }
            // Keyset pages report what is left from this page on; offset pages the whole result.
            progress?(seen.count, settings.offsetPaging ? result.totalCount : seen.count - fresh + result.totalCount)
            let short = result.items.count < pageSize
            if settings.offsetPaging {
                if short || fresh == 0 || page * pageSize >= result.totalCount { break }
                page += 1
            } else {
                if short || fresh == 0 || result.totalCount <= result.items.count { break }
            }
        }

        // Drop versions already emitted (the overlap window brings them back).
        let candidates = seen.values.sorted { ($0.entityID ?? 0) < ($1.entityID ?? 0) }
        let scope = self.scope
        let keys = candidates.map { ($0.entityID ?? 0, $0.updatedAt ?? "") }
        let emitted: Set<String> = try store.read { db in
            var set = Set<String>()
            for (id, updated) in keys {
                if try Bool.fetchOne(
                    db,
                    sql: "SELECT 1 FROM magento_emitted_order WHERE scope = ? AND entity_id = ? AND updated_at = ?",
                    arguments: [scope, id, updated]) ?? false
                {
                    set.insert("\(id)|\(updated)")
                }
            }
            return set
        }
        let unseen = candidates.filter { !emitted.contains("\($0.entityID ?? 0)|\($0.updatedAt ?? "")") }
        // Left out after the look-up, not by the search: they still move the watermark, and a canceled order is
        // never mapped to a sale, whatever the status filter lets through.
        let includeClosed = settings.includeCanceledAndClosed ?? false
        let isLeftOut = { (order: MagentoOrder) in !includeClosed && OrderStatusRules.closedStates.contains(order.state ?? "") }
        let orders = unseen.filter { !isLeftOut($0) }
        if orders.count < unseen.count {
            logger.info(
                "canceled or closed orders left out (includeCanceledAndClosed is off)",
                metadata: ["ferry.orders": "\(unseen.filter(isLeftOut).compactMap(\.incrementID).joined(separator: ","))"])
        }

        var newWatermark: String?
        if sinceLastRun {
            let maxSeen = candidates.compactMap(\.updatedAt).max()
            // Never past the run's start: an order updated during the run gets a later updated_at.
            let previous = try watermark()
            newWatermark = [maxSeen.map { min($0, runStart) }, previous].compactMap { $0 }.max()
        }
        logger.debug(
            "downloaded orders",
            metadata: ["ferry.orders": "\(orders.count)", "ferry.skipped": "\(candidates.count - orders.count)",
                       "ferry.requests": "\(requests)"])
        return DownloadBatch(
            orders: orders, alreadyEmitted: candidates.count - unseen.count, canceledOrClosed: unseen.count - orders.count,
            newWatermark: newWatermark, scope: scope, requests: requests)
    }

    /// Records the batch: ledger rows and the watermark. Call it inside the transaction that commits the output
    /// files (``TaskContext/onCommit(_:)``), so the watermark moves exactly when the files are durable.
    public static func record(_ batch: DownloadBatch, in db: StateDatabase) throws {
        let now = MagentoDate.string(Date())
        for order in batch.orders {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO magento_emitted_order (scope, entity_id, updated_at, increment_id, emitted_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [batch.scope, order.entityID ?? 0, order.updatedAt ?? "", order.incrementID, now])
        }
        if let mark = batch.newWatermark {
            try db.execute(
                sql: """
                    INSERT INTO magento_download_watermark (scope, updated_at) VALUES (?, ?)
                    ON CONFLICT(scope) DO UPDATE SET updated_at = excluded.updated_at
                    """,
                arguments: [batch.scope, mark])
            // Versions older than the look-back window can never come back: keep the ledger small.
            if let date = MagentoDate.date(mark) {
                let horizon = MagentoDate.string(date.addingTimeInterval(-7 * 86400))
                try db.execute(
                    sql: "DELETE FROM magento_emitted_order WHERE scope = ? AND updated_at < ?",
                    arguments: [batch.scope, horizon])
            }
        }
    }
}

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

/// A downloaded order version as the emitted-order ledger keeps it: what the commit records, without the order.
public struct EmittedOrder: Sendable, Hashable {
    public var entityID: Int
    public var updatedAt: String
    public var incrementID: String?
}

/// What a download fetched: the orders to emit and what to record once they are durably written.
public struct DownloadBatch: Sendable {
    /// New orders (or new versions of orders), by entity_id ascending: filled by ``OrderDownloader/fetch(now:progress:)``;
    /// empty when ``OrderDownloader/download(now:progress:receive:)`` handed them over page by page.
    public var orders: [MagentoOrder] = []
    /// The versions emitted, for the ledger (``OrderDownloader/record(_:in:)``).
    public var emitted: [EmittedOrder] = []
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
    /// The client, the state store, the ledger's scope and the logger.
    public let context: MagentoJobContext
    public let settings: DownloadSettings

    /// Creates the job (``MagentoSyncJob/init(client:store:scope:settings:logger:)`` makes the context).
    public init(context: MagentoJobContext, settings: DownloadSettings) {
        self.context = context
        self.settings = settings
    }

    /// The stored watermark, if any.
    public func watermark() async throws -> String? {
        let scope = self.scope
        return try await store.read { db in
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

    /// Fetches every matching order not emitted yet, all in memory (tests and the library benchmark; a stage
    /// streams them with ``download(now:progress:receive:)``).
    public func fetch(now: Date = Date(), progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> DownloadBatch {
        var orders: [MagentoOrder] = []
        var batch = try await download(now: now, progress: progress) { orders += $0 }
        batch.orders = orders
        return batch
    }

    /// Fetches every matching order not emitted yet and hands them to `receive` page by page, by entity_id
    /// ascending: memory holds one page, not the store (a first sync of 100,000 orders held 1.7 GB).
    ///
    /// - Parameters:
    ///   - now: the run's start (tests pass a fixed clock); the watermark never passes it, so an order
    ///     changed while the download runs is fetched again next time.
    ///   - progress: called after each page with the orders fetched so far and the total Magento reports.
    ///   - receive: the page's orders to emit; nothing is recorded before the caller commits the batch.
    /// - Throws: ``MagentoError`` (transient ones are worth a retry of the whole run: nothing was recorded).
    public func download(
        now: Date = Date(), progress: (@Sendable (Int, Int) -> Void)? = nil,
        receive: ([MagentoOrder]) async throws -> Void
    ) async throws -> DownloadBatch {
        let sinceLastRun = settings.effectiveSinceLastRun
        var since: String?
        if sinceLastRun {
            if let mark = try await watermark(), let date = MagentoDate.date(mark) {
                since = MagentoDate.string(date.addingTimeInterval(-Double(settings.effectiveOverlap)))
            } else {
                since = settings.initialSince
            }
        }
        let runStart = MagentoDate.string(now)
        let pageSize = settings.effectivePageSize
        var batch = DownloadBatch(alreadyEmitted: 0, scope: scope, requests: 0)
        var seen = Set<Int>()
        var maxSeen: String?
        var lastID = 0
        var page = 1
        // Left out after the look-up, not by the search: they still move the watermark, and a canceled order is
        // never mapped to a sale, whatever the status filter lets through.
        let includeClosed = settings.includeCanceledAndClosed ?? false
        let isLeftOut = { (order: MagentoOrder) in !includeClosed && OrderStatusRules.closedStates.contains(order.state ?? "") }
        // The next page is asked for as soon as this one's ids are known, while this one is parsed, checked against
        // the ledger and written (#18: the fetches used to wait for all three). A page is a read, so one asked for
        // and then not wanted (the run failed or stopped) costs nothing but the request; it is cancelled and
        // awaited. Magento still sees one request at a time: the next is asked for only once this one is answered.
        let client = self.client
        let base = baseCriteria(since: since)
        let offsetPaging = settings.offsetPaging
        func fetch(after lastID: Int, page: Int) -> Task<SearchAnswer, any Error> {
            var criteria = base
            criteria.sortOrders = [("entity_id", true)]
            criteria.pageSize = pageSize
            if offsetPaging {
                criteria.currentPage = page
            } else {
                criteria.require(.init("entity_id", .gt, String(lastID)))
                criteria.currentPage = 1
            }
            return Task { try await client.searchOrderPage(criteria) }
        }
        var next = fetch(after: lastID, page: page)
        do {
            while true {
                // Nothing is recorded before the file is committed, so stopping between pages loses nothing.
                if Task.isCancelled { throw MagentoError.stopped("order download") }
                let asked = next
                let answer = try await withTaskCancellationHandler { try await asked.value } onCancel: { asked.cancel() }
                batch.requests += 1
                // The ids come from an outline of the answer, a quarter of the cost of parsing it: the next page's
                // keyset bound is this page's last id.
                let outline = try answer.outline()
                var isFresh: [Bool] = []
                var freshCount = 0
                for id in outline.entityIDs {
                    // A 2.3 store clamps a page past the end to the last page: already-seen ids mean "done".
                    let fresh = id.map { seen.insert($0).inserted } ?? false
                    isFresh.append(fresh)
                    if fresh, let id {
                        freshCount += 1
                        lastID = max(lastID, id)
                    }
                }
                let returned = outline.entityIDs.count
                // Keyset pages report what is left from this page on; offset pages the whole result.
                progress?(seen.count, offsetPaging ? outline.totalCount : seen.count - freshCount + outline.totalCount)
                let short = returned < pageSize
                let last = if offsetPaging {
                    short || freshCount == 0 || page * pageSize >= outline.totalCount
                } else {
                    short || freshCount == 0 || outline.totalCount <= returned
                }
                if !last {
                    page += 1
                    next = fetch(after: lastID, page: page)
                }
                let (tape, items) = try answer.tapePage()
                guard items.count == returned else {
                    throw MagentoError(
                        code: .invalidResponse, status: nil, method: "GET", path: client.restPrefix + "/orders",
                        message: "the search result's items could not be read in one pass (\(items.count) against \(returned))")
                }
                var fresh: [(id: Int, order: MagentoOrder)] = []
                fresh.reserveCapacity(freshCount)
                for (index, item) in items.enumerated() where isFresh[index] {
                    let order = MagentoOrder(tape: tape, at: item)
                    // A fresh item has an id: the outline's, the same as the order's own.
                    fresh.append((outline.entityIDs[index] ?? 0, order))
                    if let updated = order.updatedAt, updated > maxSeen ?? "" { maxSeen = updated }
                }
                try await emit(fresh.sorted { $0.id < $1.id }.map(\.order), into: &batch, isLeftOut, receive)
                if last { break }
            }
        } catch {
            // No request outlives the run.
            next.cancel()
            _ = try? await next.value
            throw error
        }

        if sinceLastRun {
            // Never past the run's start: an order updated during the run gets a later updated_at.
            let previous = try await watermark()
            batch.newWatermark = [maxSeen.map { min($0, runStart) }, previous].compactMap { $0 }.max()
        }
        logger.debug(
            "downloaded orders",
            metadata: ["ferry.orders": "\(batch.emitted.count)", "ferry.skipped": "\(batch.alreadyEmitted + batch.canceledOrClosed)",
                       "ferry.requests": "\(batch.requests)"])
        return batch
    }

    /// Drops a page's versions already emitted (the overlap window brings them back; one look-up per page) and
    /// the canceled or closed orders, and hands over the rest.
    private func emit(
        _ page: [MagentoOrder], into batch: inout DownloadBatch, _ isLeftOut: (MagentoOrder) -> Bool,
        _ receive: ([MagentoOrder]) async throws -> Void
    ) async throws {
        guard !page.isEmpty else { return }
        let scope = self.scope
        let keys = page.map { ($0.entityID ?? 0, $0.updatedAt ?? "") }
        let emitted: Set<String> = try await store.read { db in
            var set = Set<String>()
            for start in stride(from: 0, to: keys.count, by: 400) {
                let chunk = keys[start..<min(start + 400, keys.count)]
                let marks = Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")
                var arguments: [any DatabaseValueConvertible] = [scope]
                for (id, updated) in chunk { arguments += [id, updated] as [any DatabaseValueConvertible] }
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT entity_id, updated_at FROM magento_emitted_order
                        WHERE scope = ? AND (entity_id, updated_at) IN (VALUES \(marks))
                        """,
                    arguments: StatementArguments(arguments))
                for row in rows { set.insert("\(row[0] as Int)|\(row[1] as String)") }
            }
            return set
        }
        let unseen = page.filter { !emitted.contains("\($0.entityID ?? 0)|\($0.updatedAt ?? "")") }
        batch.alreadyEmitted += page.count - unseen.count
        let orders = unseen.filter { !isLeftOut($0) }
        if orders.count < unseen.count {
            batch.canceledOrClosed += unseen.count - orders.count
            logger.info(
                "canceled or closed orders left out (includeCanceledAndClosed is off)",
                metadata: ["ferry.orders": "\(unseen.filter(isLeftOut).compactMap(\.incrementID).joined(separator: ","))"])
        }
        guard !orders.isEmpty else { return }
        batch.emitted += orders.map {
            EmittedOrder(entityID: $0.entityID ?? 0, updatedAt: $0.updatedAt ?? "", incrementID: $0.incrementID)
        }
        try await receive(orders)
    }

    /// Records the batch: ledger rows and the watermark. Call it inside the transaction that commits the output
    /// files (``TaskContext/onCommit(_:)``), so the watermark moves exactly when the files are durable.
    public static func record(_ batch: DownloadBatch, in db: StateDatabase) throws {
        let now = MagentoDate.string(Date())
        // Versions older than the look-back window can never come back: the ledger keeps only the window. Those
        // of this batch are not inserted at all (a first sync of a large store would insert rows only to delete
        // them below, most of its commit's time, #18); older rows already there are deleted below.
        let horizon = batch.newWatermark.flatMap(MagentoDate.date).map { MagentoDate.string($0.addingTimeInterval(-7 * 86400)) }
        let kept = horizon.map { horizon in batch.emitted.filter { $0.updatedAt >= horizon } } ?? batch.emitted
        // 100 rows per INSERT: one statement per batch instead of one per order.
        for start in stride(from: 0, to: kept.count, by: 100) {
            let chunk = kept[start..<min(start + 100, kept.count)]
            var arguments: [(any DatabaseValueConvertible)?] = []
            for order in chunk { arguments += [batch.scope, order.entityID, order.updatedAt, order.incrementID, now] }
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO magento_emitted_order (scope, entity_id, updated_at, increment_id, emitted_at)
                    VALUES \(Array(repeating: "(?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "))
                    """,
                arguments: StatementArguments(arguments))
        }
        if let mark = batch.newWatermark {
            try db.execute(
                sql: """
                    INSERT INTO magento_download_watermark (scope, updated_at) VALUES (?, ?)
                    ON CONFLICT(scope) DO UPDATE SET updated_at = excluded.updated_at
                    """,
                arguments: [batch.scope, mark])
            if let horizon {
                try db.execute(
                    sql: "DELETE FROM magento_emitted_order WHERE scope = ? AND updated_at < ?",
                    arguments: [batch.scope, horizon])
            }
        }
    }
}

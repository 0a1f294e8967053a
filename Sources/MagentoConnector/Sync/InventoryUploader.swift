import FerryValues
public import Foundation
public import FerryState
import GRDB
public import Logging

/// Settings of the `magento.upload-inventory` task.
public struct InventorySettings: Sendable, Codable {
    /// `legacy` (PUT stockItems per SKU, default) or `msi` (POST inventory/source-items in chunks).
    public var mode: String?
    /// MSI source code, default `default`.
    public var sourceCode: String?
    /// MSI items per request, default 20 (Magento's input limit); halved on a "Maximum items" answer.
    public var chunkSize: Int?
    /// Legacy requests in flight at once, default 4.
    public var concurrency: Int?
    /// Send every level, not only those changed since the last upload. Default false.
    public var sendAll: Bool?

    /// Creates settings.
    public init(
        mode: String? = nil, sourceCode: String? = nil, chunkSize: Int? = nil, concurrency: Int? = nil,
        sendAll: Bool? = nil
    ) {
        self.mode = mode
        self.sourceCode = sourceCode
        self.chunkSize = chunkSize
        self.concurrency = concurrency
        self.sendAll = sendAll
    }

    var isMSI: Bool { mode == "msi" }

    /// Checks ranges; returns (key, problem) for the first bad setting.
    public func validate() -> (key: String, message: String)? {
        if let mode, !["legacy", "msi"].contains(mode) { return ("mode", "must be \"legacy\" or \"msi\"") }
        if let c = chunkSize, !(1...5000).contains(c) { return ("chunkSize", "must be 1...5000 (default 20)") }
        if let c = concurrency, !(1...32).contains(c) { return ("concurrency", "must be 1...32 (default 4)") }
        return nil
    }
}

/// What happened to one stock level.
public enum InventoryOutcome: Sendable, Equatable {
    case uploaded
    /// Same as the last level uploaded: not sent.
    case unchanged
    /// The SKU is not in the catalogue.
    case unknownSKU(String)
    case failed(String)
}

/// Uploads stock levels, only those changed, legacy or MSI.
public struct InventoryUploader: Sendable {
    /// The client, the state store, the ledger's scope and the logger.
    public let context: MagentoJobContext
    public let settings: InventorySettings

    /// Creates the job (``MagentoSyncJob/init(client:store:scope:settings:logger:)`` makes the context).
    public init(context: MagentoJobContext, settings: InventorySettings) {
        self.context = context
        self.settings = settings
    }

    /// Uploads the levels that changed; one outcome per record, in order.
    ///
    /// - Parameter progress: called with (done, total) as levels complete (a terminal progress line).
    /// - Throws: a transient ``MagentoError`` if the store could not be reached for some SKUs; the levels that did
    ///   go through are recorded, so a retry sends only the rest.
    public func upload(
        _ records: [InventoryRecord], progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> [InventoryOutcome] {
        let scope = self.scope
        // The last record for a SKU wins, as if the file were applied in order. Keyed by the lower-cased SKU:
        // Magento matches SKUs regardless of case, so `MUG-BLUE-11OZ` is the level last sent for `Mug-Blue-11oz`.
        let last: [String: (String, Bool)] = try await store.read { db in
            var map: [String: (String, Bool)] = [:]
            // A cursor, not an array of rows: a catalogue's worth of rows is read once, straight into the map.
            let rows = try Row.fetchCursor(
                db, sql: "SELECT sku, qty, is_in_stock FROM magento_stock_level WHERE scope = ?", arguments: [scope])
            while let row = try rows.next() {
                map[(row["sku"] as String).lowercased()] = (row["qty"], row["is_in_stock"])
            }
            return map
        }
        var outcomes = [InventoryOutcome?](repeating: nil, count: records.count)
        var toSend: [Int] = []
        for (i, record) in records.enumerated() {
            if settings.sendAll != true, let previous = last[record.sku.lowercased()],
                Decimal(string: previous.0) == record.qty, previous.1 == record.isInStock
            {
                outcomes[i] = .unchanged
            } else {
                toSend.append(i)
            }
        }
        let total = toSend.count
        progress?(0, total)
        var transient: MagentoError?
        if settings.isMSI {
            transient = try await uploadMSI(records, toSend, &outcomes, progress: progress)
        } else {
            transient = try await uploadLegacy(records, toSend, &outcomes, progress: progress)
        }
        if let transient { throw transient }
        // Never "not processed" in a fail file for a SKU a stop left out: the file is done again after restart.
        if outcomes.contains(where: { $0 == nil }) { throw MagentoError.stopped("stock upload") }
        return outcomes.map { $0 ?? .failed("not processed") }
    }

    private func remember(_ records: [InventoryRecord]) async throws {
        let scope = self.scope
        let now = MagentoDate.string(Date())
        // On the blocking pool (a durable write fsyncs), and not through the async write: a shutdown cancelling
        // the upload must not roll back the record of levels Magento has already taken (the restart would send
        // them again).
        try await BlockingPool.shared.run { [store] in try Self.remember(records, scope: scope, at: now, in: store) }
    }

    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool")
    private static func remember(_ records: [InventoryRecord], scope: String, at now: String, in store: StateStore) throws {
        try store.write { db in
            for r in records {
                // One row per SKU whatever its case: the spelling sent last replaces any other.
                try db.execute(
                    sql: "DELETE FROM magento_stock_level WHERE scope = ? AND sku = ? COLLATE NOCASE AND sku <> ?",
                    arguments: [scope, r.sku, r.sku])
                try db.execute(
                    sql: """
                        INSERT INTO magento_stock_level (scope, sku, qty, is_in_stock, uploaded_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(scope, sku) DO UPDATE SET qty = excluded.qty, is_in_stock = excluded.is_in_stock,
                            uploaded_at = excluded.uploaded_at
                        """,
                    arguments: [scope, r.sku, r.qty.description, r.isInStock ? 1 : 0, now])
            }
        }
    }

    private func uploadLegacy(
        _ records: [InventoryRecord], _ indices: [Int], _ outcomes: inout [InventoryOutcome?],
        progress: (@Sendable (Int, Int) -> Void)?
    ) async throws -> MagentoError? {
        let width = settings.concurrency ?? 4
        var transient: MagentoError?
        var done = 0
        try await withThrowingTaskGroup(of: (Int, InventoryOutcome, MagentoError?).self) { group in
            var next = 0
            func launch() {
                // Cancelled (ferry is stopping): nothing new goes out; the requests in flight finish and are
                // remembered, so the restart sends exactly the rest.
                guard next < indices.count, !Task.isCancelled else { return }
                let index = indices[next]
                next += 1
                let record = records[index]
                group.addTask {
                    do {
                        try await client.updateStockItem(sku: record.sku, qty: record.qty, isInStock: record.isInStock)
                        try await remember([record])
                        return (index, .uploaded, nil)
                    } catch let error as MagentoError where error.status == 404 {
                        return (index, .unknownSKU("SKU \(record.sku) is not in the Magento catalogue: \(error)"), nil)
                    } catch let error as MagentoError where error.isTransient {
                        return (index, .failed("SKU \(record.sku): \(error)"), error)
                    } catch let error as MagentoError {
                        return (index, .failed("SKU \(record.sku): \(error)"), nil)
                    }
                }
            }
            for _ in 0..<width { launch() }
            while let (index, outcome, error) = try await group.next() {
                outcomes[index] = outcome
                if let error, transient == nil { transient = error }
                done += 1
                progress?(done, indices.count)
                launch()
            }
        }
        return transient
    }

    private func uploadMSI(
        _ records: [InventoryRecord], _ indices: [Int], _ outcomes: inout [InventoryOutcome?],
        progress: (@Sendable (Int, Int) -> Void)?
    ) async throws -> MagentoError? {
        var records = records
        let source = settings.sourceCode ?? "default"
        let knownResult: Result<Set<String>, MagentoError>
        do {
            knownResult = .success(try await client.existingSKUs(Array(Set(indices.map { records[$0].sku })).sorted()))
        } catch {
            knownResult = .failure(error)
        }
        // Magento matches SKUs regardless of case and answers with the catalogue's spelling, which is what is sent.
        let known: [String: String]
        switch knownResult {
        case .success(let set): known = Dictionary(set.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        case .failure(let error): if error.isTransient { return error } else { throw error }
        }
        var pending: [Int] = []
        for i in indices {
            if let spelling = known[records[i].sku.lowercased()] {
                records[i].sku = spelling
                pending.append(i)
            } else {
                outcomes[i] = .unknownSKU(
                    "SKU \(records[i].sku) is not in the Magento catalogue (MSI would save it silently): "
                        + "create the product or fix the SKU in Sage")
            }
        }
        var chunkSize = settings.chunkSize ?? 20
        var done = indices.count - pending.count
        progress?(done, indices.count)
        var start = 0
        while start < pending.count {
            // A safe point: every chunk before this one is saved and remembered.
            if Task.isCancelled { return MagentoError.stopped("stock upload") }
            let chunk = Array(pending[start..<min(start + chunkSize, pending.count)])
            let items = chunk.map { item(records[$0], source) }
            switch await save(items) {
            case .success:
                try await remember(chunk.map { records[$0] })
                for i in chunk { outcomes[i] = .uploaded }
                start += chunk.count
                done += chunk.count
            case .failure(let error) where error.isTransient:
                return error
            case .failure(let error) where error.status == 400 && error.message.contains("Maximum items") && chunkSize > 1:
                // The store's input limit is lower than the chunk: re-chunk and send the same items again.
                chunkSize = max(1, chunkSize / 2)
                logger.notice("store limits array sizes; re-chunking", metadata: ["ferry.chunk": "\(chunkSize)"])
            case .failure(let error):
                // All-or-nothing validation: send the chunk's items one by one to find the bad ones.
                for i in chunk {
                    if chunk.count == 1 {
                        outcomes[i] = .failed("SKU \(records[i].sku): \(error)")
                        continue
                    }
                    switch await save([item(records[i], source)]) {
                    case .success:
                        try await remember([records[i]])
                        outcomes[i] = .uploaded
                    case .failure(let single) where single.isTransient:
                        return single
                    case .failure(let single):
                        outcomes[i] = .failed("SKU \(records[i].sku): \(single)")
                    }
                }
                start += chunk.count
                done += chunk.count
            }
            progress?(done, indices.count)
        }
        return nil
    }

    private func item(_ r: InventoryRecord, _ source: String) -> SourceItem {
        SourceItem(sku: r.sku, sourceCode: source, quantity: r.qty, inStock: r.isInStock)
    }

    private func save(_ items: [SourceItem]) async -> Result<Void, MagentoError> {
        do {
            try await client.saveSourceItems(items)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}

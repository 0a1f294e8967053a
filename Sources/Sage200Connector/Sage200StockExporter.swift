public import FerryState
import FerryPipeline
import FerryValues
public import Foundation
import GRDB
import MagentoConnector

/// Free stock per product code, for Magento.
public struct Sage200StockLevel: Sendable, Hashable {
    /// The product code (Magento's SKU).
    public var code: String
    /// Free stock summed over the configured warehouses (never below 0).
    public var quantity: Decimal
}

/// Reads the warehouse holdings changed since the last run and sums free stock (in stock minus allocated) over
/// the configured warehouses for every product touched.
///
/// Paged by keyset on (`date_time_updated`, `id`), so a holding that changes while the pages are read is neither
/// skipped nor doubled; the watermark moves in the commit of the output file, and starts each run a little earlier
/// (`overlapSeconds`) because a holding's time stamp can be set before its transaction becomes visible.
public struct Sage200StockExporter: Sendable {
    private let client: Sage200Client
    private let store: StateStore
    private let scope: String
    private let warehouses: [String]
    private let overlapSeconds: Double

    /// Creates an exporter for the warehouses named (Sage's `warehouses.name`).
    public init(client: Sage200Client, store: StateStore, scope: String, warehouses: [String], overlapSeconds: Double = 120) {
        self.client = client
        self.store = store
        self.scope = scope
        self.warehouses = warehouses.map { $0.uppercased() }
        self.overlapSeconds = overlapSeconds
    }

    /// The levels of the products whose holdings changed, and the commit hook that records what was read.
    public func changes() async throws -> (levels: [Sage200StockLevel], commit: @Sendable (Database) throws -> Void) {
        let scope = self.scope
        let watermark = try await offload { [store] in
            try store.readLatest { db in
                try String.fetchOne(db, sql: "SELECT watermark FROM sage200_stock_watermark WHERE scope = ?", arguments: [scope])
            }
        }
        let wanted = Set(try await client.getAll("/warehouses").compactMap { w -> Int? in
            guard let name = w["name"]?.text, warehouses.contains(name.uppercased()) else { return nil }
            return w["id"]?.int
        })
        guard wanted.count == Set(warehouses).count else {
            throw Sage200Error(code: .configuration, message: "settings.warehouses names a warehouse Sage 200 does not have: \(warehouses.joined(separator: ", "))")
        }
        // Keyset paging: (time, id) strictly after the last row seen; the watermark is "time|id".
        let parts = watermark?.split(separator: "|").map(String.init) ?? []
        var after = parts.first.map { overlapSeconds > 0 ? Self.shift($0, by: -overlapSeconds) : $0 }
        var afterId = overlapSeconds > 0 ? 0 : parts.dropFirst().first.flatMap { Int($0) } ?? 0
        var fetched: [Int: (product: Int, warehouse: Int, free: Decimal)] = [:]
        var newest = watermark
        while true {
            let filter = after.map { "date_time_updated gt \($0) or (date_time_updated eq \($0) and id gt \(afterId))" }
            var query: [(String, String)] = [("$orderby", "date_time_updated asc,id asc"), ("$top", String(Sage200Client.pageSize))]
            if let filter { query.append(("$filter", filter)) }
            let page = try await client.send("GET", "/warehouse_holdings", query: query).array ?? []
            for holding in page {
                guard let id = holding["id"]?.int, let product = holding["product_id"]?.int,
                    let warehouse = holding["warehouse_id"]?.int, let stamp = holding["date_time_updated"]?.text
                else { continue }
                // Sites older than September 2020 have no free_stock_available.
                let inStock: Decimal = holding["quantity_in_stock"]?.decimal ?? 0
                let allocated: Decimal = holding["quantity_allocated"]?.decimal ?? 0
                let free: Decimal = holding["free_stock_available"]?.decimal ?? (inStock - allocated)
                fetched[id] = (product, warehouse, free)
                after = Self.utc(stamp)
                afterId = id
                // Pages come in (time, id) order: the last row read is the newest.
                newest = "\(Self.utc(stamp))|\(id)"
            }
            if page.count < Sage200Client.pageSize { break }
        }
        let products = Set(fetched.values.map(\.product))
        // The other holdings of the products touched, as last read, and the codes already known.
        let (stored, codes) = try await offload { [store] in
            try store.readLatest { db in
                var rows: [Int: (product: Int, warehouse: Int, free: Decimal)] = [:]
                var codes: [Int: String] = [:]
                for productId in products {
                    for row in try Row.fetchAll(
                        db, sql: "SELECT * FROM sage200_holdings WHERE scope = ? AND product_id = ?", arguments: [scope, productId])
                    {
                        rows[row["holding_id"]] = (row["product_id"], row["warehouse_id"], Decimal(string: row["free"]) ?? 0)
                    }
                    if let code = try String.fetchOne(db, sql: "SELECT code FROM sage200_products WHERE id = ?", arguments: [productId]) {
                        codes[productId] = code
                    }
                }
                return (rows, codes)
            }
        }
        var allCodes = codes
        let missing = products.subtracting(codes.keys).sorted()
        for chunk in stride(from: 0, to: missing.count, by: 20).map({ Array(missing[$0..<min($0 + 20, missing.count)]) }) {
            let filter = chunk.map { "id eq \($0)" }.joined(separator: " or ")
            for product in try await client.getAll("/products", filter: filter, select: Sage200Client.productFields) {
                if let id = product["id"]?.int, let code = product["code"]?.text { allCodes[id] = code }
            }
        }
        let merged = stored.merging(fetched) { $1 }
        var totals: [Int: Decimal] = [:]
        for holding in merged.values where products.contains(holding.product) && wanted.contains(holding.warehouse) {
            totals[holding.product, default: 0] += holding.free
        }
        let levels = products.sorted().compactMap { id -> Sage200StockLevel? in
            guard let code = allCodes[id] else { return nil }
            return Sage200StockLevel(code: code, quantity: max(totals[id] ?? 0, 0))
        }
        let newCodes = allCodes.filter { codes[$0.key] == nil }
        let mark = newest
        let read = fetched
        let commit: @Sendable (Database) throws -> Void = { db in
            for (id, holding) in read {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO sage200_holdings (scope, holding_id, product_id, warehouse_id, free) VALUES (?, ?, ?, ?, ?)",
                    arguments: [scope, id, holding.product, holding.warehouse, "\(holding.free)"])
            }
            for (id, code) in newCodes {
                try db.execute(sql: "INSERT OR REPLACE INTO sage200_products (id, code) VALUES (?, ?)", arguments: [id, code])
            }
            if let mark {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO sage200_stock_watermark (scope, watermark) VALUES (?, ?)", arguments: [scope, mark])
            }
        }
        return (levels, commit)
    }

    /// A Sage time stamp as an OData literal: UTC with `Z` (Sage refuses a time without it).
    static func utc(_ stamp: String) -> String { stamp.hasSuffix("Z") ? stamp : stamp + "Z" }

    /// `stamp` moved by `seconds`, as a UTC literal.
    static func shift(_ stamp: String, by seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = formatter.date(from: utc(stamp)) ?? plain.date(from: utc(stamp)) else { return utc(stamp) }
        return formatter.string(from: date.addingTimeInterval(seconds))
    }
}

public import FerryState
public import Foundation
import GRDB

/// One row of the "truth" ledger: what ferry sent to Sage for one external record.
public struct LedgerEntry: Sendable, Hashable {
    /// Workflow profile, e.g. `magento-sage`.
    public var profile: String
    /// Record type, e.g. `sales-order`.
    public var recordType: String
    /// Magento's entity id (`SalesOrder/Id`).
    public var externalId: String
    /// Magento's increment id.
    public var externalRef: String?
    /// Sage's order number, once a success file says it.
    public var internalId: String?
    /// Content hash of what was sent.
    public var hash: String
    /// Hash of a later, different download of the same order (reported, not re-imported).
    public var changedHash: String?
    /// ISO 8601 UTC.
    public var created: String
    /// ISO 8601 UTC.
    public var modified: String
}

/// What the ledger says about an order about to be sent.
public enum LedgerDecision: Sendable, Hashable {
    /// Never sent: send it.
    case new
    /// Sent before with the same content: skip it.
    case duplicate(LedgerEntry)
    /// Sent before with different content: report it, do not re-import.
    case changed(LedgerEntry)
}

/// The duplicate-proof ledger ("truth" table) in the state store.
///
/// An order reaches the Sage outbox once per profile: the map task asks ``decide(_:externalId:hash:)`` and records
/// the order with ``record(_:)`` inside the transaction that commits the output file, so a crash can neither send
/// twice nor record an order that never left.
public struct Ledger: Sendable {
    /// The record type of sales orders.
    public static let salesOrder = "sales-order"

    /// The ledger's tables (and the refusals' table, ``OrderRefusals``).
    public static let migrations: [StateMigration] = [
        StateMigration("sage.v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sage_ledger (
                        profile TEXT NOT NULL,
                        record_type TEXT NOT NULL,
                        external_id TEXT NOT NULL,
                        external_ref TEXT,
                        internal_id TEXT,
                        hash TEXT NOT NULL,
                        changed_hash TEXT,
                        created TEXT NOT NULL,
                        modified TEXT NOT NULL,
                        PRIMARY KEY (profile, record_type, external_id)
                    );
                    CREATE INDEX sage_ledger_ref ON sage_ledger(external_ref);
                    """)
        },
        // Beside the ledger, so every stage that sends orders or reads Sage's answers can record a refusal.
        OrderRefusals.migration,
    ]

    /// The store holding the ledger.
    public let store: StateStore
    /// The profile this ledger instance reads and writes.
    public let profile: String
    /// The record type.
    public let recordType: String

    /// A ledger view for one profile and record type.
    public init(store: StateStore, profile: String, recordType: String = Ledger.salesOrder) {
        self.store = store
        self.profile = profile
        self.recordType = recordType
    }

    /// Looks an order up before sending it.
    public func decide(_ db: StateDatabase, externalId: String, hash: String) throws -> LedgerDecision {
        guard let entry = try entry(db, externalId: externalId) else { return .new }
        return entry.hash == hash ? .duplicate(entry) : .changed(entry)
    }

    /// Looks up a batch of orders through the store, in one read of what is committed: one read per batch, not
    /// per order (two SQLite lock calls per order were a visible part of a mapping run).
    ///
    /// It does not wait for the commits still queued (``StateStore/readCommitted(_:)``): an order that a file
    /// committing meanwhile sends looks new here. The commit that records it again then fails with
    /// ``LedgerConflict`` (``SentOrders/record(into:db:)``), and the engine maps the file again, when the order
    /// is in the ledger. Waiting instead stopped every mapping job at the start of each group of a burst.
    ///
    /// - Returns: the decisions in the order of `orders`.
    public func decide(_ orders: [(externalId: String, hash: String)]) throws -> [LedgerDecision] {
        let ledger = self
        let ids = orders.map(\.externalId)
        let entries = try store.readCommitted { db in try ledger.entries(db, externalIds: ids) }
        return orders.map { order in
            guard let entry = entries[order.externalId] else { return .new }
            return entry.hash == order.hash ? .duplicate(entry) : .changed(entry)
        }
    }

    /// The entries of `externalIds` that exist, by external id (512 ids per query, below SQLite's variable limit).
    ///
    /// The statement is cached, and its list of ids is padded to a power of two (the last id repeated, which
    /// matches nothing more): at most ten statements are compiled per connection, whatever the batch sizes.
    /// Compiling it for every one-order file was a seventh of a burst's time.
    func entries(_ db: StateDatabase, externalIds: [String]) throws -> [String: LedgerEntry] {
        var result: [String: LedgerEntry] = [:]
        for start in stride(from: 0, to: externalIds.count, by: 512) {
            var chunk = Array(externalIds[start..<min(start + 512, externalIds.count)])
            let size = 1 << (Int.bitWidth - (chunk.count - 1).leadingZeroBitCount)
            chunk += Array(repeating: chunk[chunk.count - 1], count: size - chunk.count)
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let statement = try db.cachedStatement(
                sql: "SELECT * FROM sage_ledger WHERE profile = ? AND record_type = ? AND external_id IN (\(marks))")
            // Optional existentials, not `[String]`: GRDB's initializer for a sequence of one concrete type maps it
            // through a key path, which Swift builds at run time on every call (2 % of a burst of one-order files).
            var values: [(any DatabaseValueConvertible)?] = [profile, recordType]
            for id in chunk { values.append(id) }
            for row in try Row.fetchAll(statement, arguments: StatementArguments(values)) {
                let entry = Self.entry(row)
                result[entry.externalId] = entry
            }
        }
        return result
    }

    /// Records sent orders in one statement (call inside the commit of their output; at most 100 at a time, below
    /// SQLite's variable limit). Existing rows are left as they were.
    ///
    /// - Returns: how many rows were added (fewer than `orders` when some existed).
    public func record(
        _ db: StateDatabase, _ orders: [(externalId: String, externalRef: String?, hash: String)], now: Date = Date()
    ) throws -> Int {
        guard !orders.isEmpty else { return 0 }
        let stamp = Self.stamp(now)
        var arguments: [(any DatabaseValueConvertible)?] = []
        arguments.reserveCapacity(orders.count * 7)
        for order in orders {
            arguments += [profile, recordType, order.externalId, order.externalRef, order.hash, stamp, stamp]
        }
        let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: orders.count).joined(separator: ", ")
        // Cached: the commit sends full batches of the same size, so this is compiled once per stage.
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO sage_ledger
                    (profile, record_type, external_id, external_ref, hash, created, modified)
                VALUES \(rows)
                """
        ).execute(arguments: StatementArguments(arguments))
        return db.changesCount
    }

    /// Records a sent order (call inside the commit of its output). An existing row is left as it was.
    ///
    /// - Returns: false when the row already existed.
    @discardableResult
    public func record(_ db: StateDatabase, externalId: String, externalRef: String?, hash: String, now: Date = Date())
        throws -> Bool
    {
        let stamp = Self.stamp(now)
        // Cached: run once per order sent, and compiling it each time was a third of the ledger's cost in a burst.
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO sage_ledger
                    (profile, record_type, external_id, external_ref, hash, created, modified)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [profile, recordType, externalId, externalRef, hash, stamp, stamp])
        return db.changesCount > 0
    }

    /// Forgets an order Sage refused, so it can be sent again once the cause is fixed (re-dropping its Magento
    /// order file, or the order changing in Magento). An order Sage already confirmed (with its Sage number,
    /// e.g. refused now as a duplicate) is kept: it must never be imported twice.
    ///
    /// - Returns: true when a row was removed.
    @discardableResult
    public func forgetRefused(_ db: StateDatabase, externalId: String?, externalRef: String?) throws -> Bool {
        let key = externalId ?? ""
        let ref = externalRef ?? ""
        try db.execute(
            sql: """
                DELETE FROM sage_ledger WHERE profile = ? AND record_type = ? AND internal_id IS NULL
                AND ((? <> '' AND external_id = ?) OR (? = '' AND ? <> '' AND external_ref = ?))
                """, arguments: [profile, recordType, key, key, key, ref, ref])
        return db.changesCount > 0
    }

    /// Notes that a re-download of a sent order differs from what was sent.
    public func markChanged(_ db: StateDatabase, externalId: String, hash: String, now: Date = Date()) throws {
        try db.execute(
            sql: """
                UPDATE sage_ledger SET changed_hash = ?, modified = ?
                WHERE profile = ? AND record_type = ? AND external_id = ?
                """, arguments: [hash, Self.stamp(now), profile, recordType, externalId])
    }

    /// Fills in Sage's order number from a success file; matches the entity id, else the increment id.
    ///
    /// - Returns: true when a ledger row was updated.
    @discardableResult
    public func setInternalId(
        _ db: StateDatabase, externalId: String?, externalRef: String?, internalId: String, now: Date = Date()
    ) throws -> Bool {
        let stamp = Self.stamp(now)
        if let externalId {
            try db.execute(
                sql: """
                    UPDATE sage_ledger SET internal_id = ?, modified = ?
                    WHERE profile = ? AND record_type = ? AND external_id = ?
                    """, arguments: [internalId, stamp, profile, recordType, externalId])
            if db.changesCount > 0 { return true }
        }
        if let externalRef {
            try db.execute(
                sql: """
                    UPDATE sage_ledger SET internal_id = ?, modified = ?
                    WHERE profile = ? AND record_type = ? AND external_ref = ?
                    """, arguments: [internalId, stamp, profile, recordType, externalRef])
            return db.changesCount > 0
        }
        return false
    }

    /// The row of one order in this profile.
    public func entry(_ db: StateDatabase, externalId: String) throws -> LedgerEntry? {
        // Cached, as in record: one look-up per order mapped.
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM sage_ledger WHERE profile = ? AND record_type = ? AND external_id = ?"),
            arguments: [profile, recordType, externalId]
        ).map(Self.entry)
    }

    // MARK: Operator commands

    /// `ferry ledger show ORDER`: every row whose entity id, increment id or Sage order number is `order`,
    /// across profiles.
    public static func show(store: StateStore, order: String) throws -> [LedgerEntry] {
        try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM sage_ledger
                    WHERE external_id = ? OR external_ref = ? OR internal_id = ?
                    ORDER BY profile, record_type, external_id
                    """, arguments: [order, order, order]
            ).map(entry)
        }
    }

    /// `ferry ledger export`: the whole ledger as CSV (RFC 4180, header row, UTF-8), oldest first.
    public static func exportCSV(store: StateStore) throws -> String {
        let entries = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sage_ledger ORDER BY created, profile, external_id").map(entry)
        }
        var csv = "profile,record_type,external_id,external_ref,internal_id,hash,changed_hash,created,modified\r\n"
        for e in entries {
            let fields = [
                e.profile, e.recordType, e.externalId, e.externalRef ?? "", e.internalId ?? "", e.hash,
                e.changedHash ?? "", e.created, e.modified,
            ]
            csv += fields.map(csvField).joined(separator: ",") + "\r\n"
        }
        return csv
    }

    /// One line per entry for `ferry ledger show`.
    public static func describe(_ e: LedgerEntry) -> String {
        var text = "\(e.profile) \(e.recordType) \(e.externalId)"
        if let ref = e.externalRef { text += " (#\(ref))" }
        text += " -> " + (e.internalId.map { "Sage order \($0)" } ?? "sent, no Sage order number yet")
        text += "; hash \(e.hash), created \(e.created), modified \(e.modified)"
        if let changed = e.changedHash { text += "; CHANGED in Magento since (hash \(changed)), not re-imported" }
        return text
    }

    static func csvField(_ value: String) -> String {
        guard value.contains(where: { ",\"\r\n".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func entry(_ row: Row) -> LedgerEntry {
        LedgerEntry(
            profile: row["profile"], recordType: row["record_type"], externalId: row["external_id"],
            externalRef: row["external_ref"], internalId: row["internal_id"], hash: row["hash"],
            changedHash: row["changed_hash"], created: row["created"], modified: row["modified"])
    }

    static func stamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}


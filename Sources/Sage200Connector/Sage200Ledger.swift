public import FerryState
import Foundation
import GRDB

/// What the ledger knows of one Magento order on its way into Sage 200.
public struct Sage200LedgerEntry: Sendable, Hashable {
    /// Magento's entity id.
    public var externalId: String
    /// Magento's increment id, sent as `customer_document_no`.
    public var incrementId: String
    /// `posting`: a POST for the order (its sales order, or its new account) may have reached Sage (search before
    /// sending again); `created`: Sage has it.
    public var state: String
    /// Sage's record id, once created.
    public var sageId: Int?
    /// Sage's order number, once created.
    public var documentNo: String?
    /// When the state was set: for `posting`, just before the last POST (whole seconds).
    public var since: Date?
}

/// The Sage 200 ledger: each order is recorded durably before its POST and after Sage's answer, so an order whose
/// POST lost its answer (a timeout, a dropped connection, a SIGKILL) is looked up in Sage before anything is sent
/// again. Never two Sage orders for one Magento order.
public struct Sage200Ledger: Sendable {
    /// The ledger's tables (`sage200.v1`): orders, and the stock export's watermark and last levels.
    public static let migrations: [StateMigration] = [
        StateMigration("sage200.v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sage200_orders (
                        external_id TEXT PRIMARY KEY,
                        increment_id TEXT NOT NULL,
                        state TEXT NOT NULL,
                        sage_id INTEGER,
                        document_no TEXT,
                        posts INTEGER NOT NULL DEFAULT 0,
                        created TEXT NOT NULL,
                        modified TEXT NOT NULL
                    );
                    CREATE INDEX sage200_orders_ref ON sage200_orders(increment_id);
                    CREATE TABLE sage200_stock_watermark (scope TEXT PRIMARY KEY, watermark TEXT NOT NULL);
                    CREATE TABLE sage200_holdings (
                        scope TEXT NOT NULL, holding_id INTEGER NOT NULL, product_id INTEGER NOT NULL,
                        warehouse_id INTEGER NOT NULL, free TEXT NOT NULL, PRIMARY KEY (scope, holding_id)
                    );
                    CREATE TABLE sage200_products (id INTEGER PRIMARY KEY, code TEXT NOT NULL);
                    """)
        }
    ]

    /// The state store.
    public let store: StateStore

    /// A ledger in `store`.
    public init(store: StateStore) { self.store = store }

    /// The entry for an order, if any (reads after every queued commit).
    public func entry(externalId: String) throws -> Sage200LedgerEntry? {
        try store.readLatest { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sage200_orders WHERE external_id = ?", arguments: [externalId])
                .map(Self.entry)
        }
    }

    /// Every entry (for `ferry ledger`-style listings and tests).
    public func all() throws -> [Sage200LedgerEntry] {
        try store.readLatest { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sage200_orders ORDER BY external_id").map(Self.entry)
        }
    }

    /// Records, durably, that a POST for this order is about to be sent. Blocking (fsync): call off the pool.
    public func willPost(externalId: String, incrementId: String) throws {
        let now = Self.stamp()
        _ = try store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sage200_orders (external_id, increment_id, state, posts, created, modified)
                    VALUES (?, ?, 'posting', 1, ?, ?)
                    ON CONFLICT(external_id) DO UPDATE SET state = 'posting', posts = posts + 1, modified = excluded.modified
                    """, arguments: [externalId, incrementId, now, now])
        }
    }

    /// Records, durably, that Sage has the order. Blocking (fsync): call off the pool.
    public func created(externalId: String, incrementId: String, sageId: Int, documentNo: String) throws {
        let now = Self.stamp()
        _ = try store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sage200_orders (external_id, increment_id, state, sage_id, document_no, created, modified)
                    VALUES (?, ?, 'created', ?, ?, ?, ?)
                    ON CONFLICT(external_id) DO UPDATE SET state = 'created', sage_id = excluded.sage_id,
                        document_no = excluded.document_no, modified = excluded.modified
                    """, arguments: [externalId, incrementId, sageId, documentNo, now, now])
        }
    }

    /// Forgets a POST Sage refused and that a search confirmed absent, so a corrected order can be sent later.
    public func refused(externalId: String) throws {
        _ = try store.write { db in
            try db.execute(
                sql: "DELETE FROM sage200_orders WHERE external_id = ? AND state = 'posting'", arguments: [externalId])
        }
    }

    private static func entry(_ row: Row) -> Sage200LedgerEntry {
        Sage200LedgerEntry(
            externalId: row["external_id"], incrementId: row["increment_id"], state: row["state"],
            sageId: row["sage_id"], documentNo: row["document_no"],
            since: (row["modified"] as String?).flatMap { ISO8601DateFormatter().date(from: $0) })
    }

    static func stamp() -> String { ISO8601DateFormatter().string(from: Date()) }
}

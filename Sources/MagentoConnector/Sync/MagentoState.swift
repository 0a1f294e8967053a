public import FerryState
import GRDB

/// The connector's tables in the state store.
public enum MagentoState {
    /// Migrations to register with the state store (``TaskKind/migrations``).
    public static let migrations: [StateMigration] = [
        StateMigration("magento.v1") { db in
            // Where "since last run" downloads start, per stage.
            try db.execute(
                sql: """
                    CREATE TABLE magento_download_watermark (
                        scope TEXT PRIMARY KEY NOT NULL,
                        updated_at TEXT NOT NULL)
                    """)
            // Orders already written to an output, so the overlap window never emits one twice.
            try db.execute(
                sql: """
                    CREATE TABLE magento_emitted_order (
                        scope TEXT NOT NULL, entity_id INTEGER NOT NULL, updated_at TEXT NOT NULL,
                        increment_id TEXT, emitted_at TEXT NOT NULL,
                        PRIMARY KEY (scope, entity_id, updated_at))
                    """)
            // One row per comment: 'posting' before the POST, 'posted' after (exactly once across crashes).
            try db.execute(
                sql: """
                    CREATE TABLE magento_comment_ledger (
                        scope TEXT NOT NULL, update_key TEXT NOT NULL, increment_id TEXT NOT NULL,
                        entity_id INTEGER NOT NULL, comment TEXT NOT NULL, status TEXT,
                        state TEXT NOT NULL, changed_at TEXT NOT NULL,
                        PRIMARY KEY (scope, update_key))
                    """)
            // The last level sent per SKU, so only changes are uploaded.
            try db.execute(
                sql: """
                    CREATE TABLE magento_stock_level (
                        scope TEXT NOT NULL, sku TEXT NOT NULL, qty TEXT NOT NULL, is_in_stock INTEGER NOT NULL,
                        uploaded_at TEXT NOT NULL,
                        PRIMARY KEY (scope, sku))
                    """)
        },
        StateMigration("magento.v2") { db in
            // SKUs are matched regardless of case (as Magento does): the look-up that replaces another spelling.
            try db.execute(
                sql: "CREATE INDEX magento_stock_level_nocase ON magento_stock_level (scope, sku COLLATE NOCASE)")
        },
    ]
}

public import FerryState
public import Foundation
import GRDB

/// One order refused on its way to Sage, with the reason.
public struct OrderRefusal: Sendable, Hashable {
    /// Magento's entity id, when the record had one.
    public var externalId: String?
    /// Magento's increment id (the order number), when the record had one.
    public var externalRef: String?
    /// Why, as a person reads it (the pre-validation's violations, or Sage's `Errors/Error/Description`s).
    public var reason: String

    /// A refusal of one order.
    public init(externalId: String?, externalRef: String?, reason: String) {
        self.externalId = externalId
        self.externalRef = externalRef
        self.reason = reason
    }
}

/// The refusals ledger (`order_refusal` in the state store): every order a stage refused, by whom and why, so
/// the console's Orders page can say why an order did not reach Sage without knowing Sage's file formats.
///
/// The stage that refuses records its refusals in the commit of the file it processed, so a refusal is never
/// recorded for a file whose processing was undone, and a file retried with the same outcome adds no row. A refusal stays when the order is sent again later: the Orders page then shows
/// both, in time order.
public enum OrderRefusals {
    /// The table.
    public static let migration = StateMigration("refusals.v1") { db in
        try db.execute(
            sql: """
                CREATE TABLE order_refusal (
                    external_id TEXT NOT NULL,
                    external_ref TEXT NOT NULL,
                    refused_by TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    stage TEXT NOT NULL,
                    file TEXT NOT NULL,
                    refused_at TEXT NOT NULL,
                    UNIQUE (stage, file, external_id, external_ref, refused_by, reason)
                );
                CREATE INDEX order_refusal_id ON order_refusal(external_id);
                CREATE INDEX order_refusal_ref ON order_refusal(external_ref);
                CREATE INDEX order_refusal_at ON order_refusal(refused_at);
                """)
    }

    /// Records `refusals` (call inside the commit of the file they came from). The same refusal again (the same
    /// file retried, refused for the same reason) keeps one row with the latest time; another reason is a row of
    /// its own, so the page shows why the order is refused now and why it was before.
    ///
    /// - Parameters:
    ///   - refusedBy: who refused, as the console shows it: `ferry pre-validation`, `Sage`, `Sage 200`.
    ///   - stage: the stage that read the refusal.
    ///   - file: the input file the stage processed (its name).
    public static func record(
        _ db: StateDatabase, _ refusals: [OrderRefusal], refusedBy: String, stage: String, file: String,
        now: Date = Date()
    ) throws {
        // Most files refuse nothing: no time stamp to format then.
        guard !refusals.isEmpty else { return }
        let stamp = Ledger.stamp(now)
        for refusal in refusals {
            try db.cachedStatement(
                sql: """
                    INSERT INTO order_refusal
                        (external_id, external_ref, refused_by, reason, stage, file, refused_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (stage, file, external_id, external_ref, refused_by, reason)
                    DO UPDATE SET refused_at = excluded.refused_at
                    """
            ).execute(arguments: [
                refusal.externalId ?? "", refusal.externalRef ?? "", refusedBy, refusal.reason, stage, file, stamp,
            ])
        }
    }
}

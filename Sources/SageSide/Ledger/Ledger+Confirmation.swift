public import FerryState
public import Foundation
import GRDB

/// What Sage saying "this order is sales order N" (a success record, or a restarted job's "already imported as
/// N") means for the ledger.
///
/// Sage's number is recorded once: the record that fills it in is the one that tells Magento, so an order gets
/// its comment once however many times Sage repeats itself.
public enum SageConfirmation: Sendable, Hashable {
    /// The ledger had no Sage number for the order: record it and tell Magento.
    case first(LedgerEntry)
    /// The ledger already has this number: nothing to do (a success file seen twice, a restarted job).
    case repeated(LedgerEntry)
    /// The ledger has another number: report both, change nothing.
    case conflicting(LedgerEntry)
    /// ferry never sent the order (no ledger row): report it, change nothing.
    case unsent
}

extension Ledger {
    /// The row of one order, by entity id, else by increment id.
    public func entry(_ db: StateDatabase, externalId: String?, externalRef: String?) throws -> LedgerEntry? {
        if let externalId, !externalId.isEmpty, let found = try entry(db, externalId: externalId) { return found }
        guard let externalRef, !externalRef.isEmpty else { return nil }
        return try Row.fetchOne(
            db,
            sql: "SELECT * FROM sage_ledger WHERE profile = ? AND record_type = ? AND external_ref = ? LIMIT 1",
            arguments: [profile, recordType, externalRef]
        ).map(Self.entry)
    }

    /// What Sage's `number` for an order means, read inside `db`.
    public func confirmation(_ db: StateDatabase, externalId: String?, externalRef: String?, number: String) throws
        -> SageConfirmation
    {
        guard let entry = try entry(db, externalId: externalId, externalRef: externalRef) else { return .unsent }
        switch entry.internalId {
        case nil: return .first(entry)
        case number?: return .repeated(entry)
        case _?: return .conflicting(entry)
        }
    }

    /// Reads through the store: ``confirmation(_:externalId:externalRef:number:)`` after every commit queued
    /// before it (the previous file's numbers).
    public func confirmation(externalId: String?, externalRef: String?, number: String) throws -> SageConfirmation {
        let ledger = self
        return try store.readLatest { db in
            try ledger.confirmation(db, externalId: externalId, externalRef: externalRef, number: number)
        }
    }

    /// Records Sage's number for an order ``confirmation(_:externalId:externalRef:number:)`` found without one
    /// (call inside the commit of the Magento update it decided on).
    ///
    /// - Throws: ``LedgerConflict`` when the row has a number by now: another file's commit, made while this one
    ///   was mapped, confirmed the order first and told Magento. Roll back and map the file again.
    public func confirm(_ db: StateDatabase, _ entry: LedgerEntry, number: String, now: Date = Date()) throws {
        try db.execute(
            sql: """
                UPDATE sage_ledger SET internal_id = ?, modified = ?
                WHERE profile = ? AND record_type = ? AND external_id = ? AND internal_id IS NULL
                """, arguments: [number, Self.stamp(now), profile, recordType, entry.externalId])
        guard db.changesCount > 0 else {
            throw LedgerConflict(externalId: entry.externalId, externalRef: entry.externalRef ?? "", action: "confirmed")
        }
    }
}

public import FerryState
public import Foundation
import GRDB
import Synchronization

/// The orders one mapping sent, for the ledger: ``OrderFileMapper/map(input:output:fail:sent:lookup:onRecord:)``
/// adds each order it writes, and ``record(into:db:)`` loads them into the ledger inside the transaction that
/// publishes the output.
///
/// Kept in memory up to `memoryLimit` orders, then spilled to a file (`externalId \t externalRef \t hash` per
/// line): a 200,000-order file keeps memory flat, and a burst of one-order files never writes a list to disk (a
/// file per order cost the burst benchmark about a tenth of its time).
public final class SentOrders: Sendable {
    private struct Sent {
        var externalId: String
        var externalRef: String
        var hash: String
    }

    private struct State {
        var kept: [Sent] = []
        var spill: FileHandle?
        /// The spill file, named once the list first spills.
        var spillFile: URL?
    }

    /// Names the spill file: called only when the list spills, since building a URL for each file of a burst
    /// (which never spills) was about 1 % of its instructions (#18).
    private let spillFileName: @Sendable () -> URL
    private let memoryLimit: Int
    // Filled by the mapping, then read by the commit (another thread, after it): the lock is never contended.
    private let state = Mutex(State())

    /// Creates an empty list.
    ///
    /// - Parameters:
    ///   - spillFile: where the list goes once it outgrows `memoryLimit`; created only then.
    ///   - memoryLimit: orders kept in memory before spilling.
    public convenience init(spillFile: URL, memoryLimit: Int = 4_096) {
        self.init(memoryLimit: memoryLimit) { spillFile }
    }

    /// Creates an empty list whose spill file `spillFile` names when the list outgrows `memoryLimit`.
    public init(memoryLimit: Int = 4_096, spillFile: @escaping @Sendable () -> URL) {
        spillFileName = spillFile
        self.memoryLimit = memoryLimit
    }

    /// Adds a sent order.
    public func add(externalId: String, externalRef: String, hash: String) throws {
        try state.withLock { state in
            state.kept.append(Sent(externalId: externalId, externalRef: externalRef, hash: hash))
            guard state.kept.count >= memoryLimit else { return }
            if state.spill == nil {
                let spillFile = spillFileName()
                state.spillFile = spillFile
                guard FileManager.default.createFile(atPath: spillFile.path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: spillFile.path])
                }
                state.spill = try FileHandle(forWritingTo: spillFile)
            }
            var text = ""
            for sent in state.kept {
                let fields = [sent.externalId, sent.externalRef, sent.hash].map { $0.replacingOccurrences(of: "\t", with: " ") }
                text += fields.joined(separator: "\t") + "\n"
            }
            try state.spill?.write(contentsOf: Data(text.utf8))
            state.kept.removeAll(keepingCapacity: true)
        }
    }

    /// Records every order added into `ledger` (call inside the commit of the output), streaming a spilled list
    /// line by line, then removes the spill file.
    ///
    /// - Throws: ``LedgerConflict`` when the ledger already has one of them: a commit made after the mapping
    ///   looked it up sent it too (another file with the same order, mapped at the same time). Roll back, and map
    ///   the file again: it then finds the order sent.
    public func record(into ledger: Ledger, db: StateDatabase) throws {
        try state.withLock { state in
            // 100 rows per INSERT: one statement per batch instead of one per order.
            var batch: [(externalId: String, externalRef: String?, hash: String)] = []
            func add(_ externalId: String, _ externalRef: String, _ hash: String) throws {
                batch.append((externalId, externalRef, hash))
                guard batch.count == 100 else { return }
                try Self.insert(batch, into: ledger, db: db)
                batch.removeAll(keepingCapacity: true)
            }
            if let spill = state.spill, let spillFile = state.spillFile {
                try spill.close()
                state.spill = nil
                defer { unlink(spillFile.path) }
                try Self.readSpill(spillFile) { fields in try add(fields[0], fields[1], fields[2]) }
            }
            for sent in state.kept { try add(sent.externalId, sent.externalRef, sent.hash) }
            try Self.insert(batch, into: ledger, db: db)
            state.kept.removeAll()
        }
    }

    /// Inserts a batch; when a row existed, undoes the batch and inserts it row by row to name the order.
    private static func insert(
        _ batch: [(externalId: String, externalRef: String?, hash: String)], into ledger: Ledger, db: StateDatabase
    ) throws {
        guard !batch.isEmpty else { return }
        // One row (a one-order file: every file of a burst) goes straight to the row-by-row insert: inserted or
        // not, there is nothing to undo, so no savepoint.
        if batch.count > 1 {
            var whole = true
            try db.inSavepoint {
                whole = try ledger.record(db, batch) == batch.count
                return whole ? .commit : .rollback
            }
            guard !whole else { return }
        }
        for sent in batch {
            guard try ledger.record(db, externalId: sent.externalId, externalRef: sent.externalRef, hash: sent.hash) else {
                throw LedgerConflict(externalId: sent.externalId, externalRef: sent.externalRef ?? "")
            }
        }
    }

    /// Removes the spill file, if any (a mapping that failed).
    public func discard() {
        state.withLock { state in
            if let spill = state.spill, let spillFile = state.spillFile {
                try? spill.close()
                state.spill = nil
                unlink(spillFile.path)
            }
            state.kept.removeAll()
        }
    }

    private static func readSpill(_ file: URL, _ body: ([String]) throws -> Void) throws {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var pending = Data()
        func flush(_ line: Data) throws {
            let fields = String(decoding: line, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3 else { return }
            try body(fields.map(String.init))
        }
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                try flush(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { try flush(pending) }
    }
}

/// An order a mapping found missing from the ledger was recorded by another commit before the mapping's own.
public struct LedgerConflict: Error, CustomStringConvertible {
    /// Magento's entity id.
    public let externalId: String
    /// Magento's increment id (the order number).
    public let externalRef: String
    /// What the other file did: `sent` (the order to Sage), `confirmed` (Sage's number, telling Magento).
    public var action = "sent"

    public var description: String {
        "order \(externalRef) (entity \(externalId)) was \(action) by another file while this one was being mapped"
    }
}

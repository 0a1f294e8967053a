import Foundation
import GRDBSQLite
import Logging
import SageSide

#if canImport(Glibc)
import Glibc
#endif

/// The floor of the burst and latency cases: the durable work of one-order files done by one thread, with no engine.
///
/// Per file it does what ferry's map stage makes durable, in the same order and with the same syncs: a claim row and
/// a rename into a work folder; ferry's own mapping (`OrderFileMapper`, default settings, a ledger look-up per order)
/// into a hidden temporary in the outbox; the temporaries synced (one `fsync`, or one `syncfs` for a batch), then the
/// commit row and each order's ledger row in one transaction, a savepoint per file, and the WAL `fdatasync`ed; the
/// rename into the outbox (`RENAME_NOREPLACE`) and one `fsync` of the outbox; the input linked into the archive and
/// unlinked from the work folder; the done row. The tables and statements are the engine's own (`pipeline_runs`,
/// `sage_ledger`), prepared once, through SQLite's C API. A burst goes in batches of 64 files, as the engine's.
///
/// What it leaves out is the engine: no inotify, no settling, no threads or hand-offs between them, no recovery, no
/// reason files, no observers. So it is a lower bound for any engine keeping ferry's promises with ferry's mapping,
/// not a competitor: the bench reports ferry's figures against it, as the mapping case does against `xmllint`.
final class WorkFloor {
    let inbox: URL
    /// Where the outputs appear.
    let outbox: String
    /// Where ``stage(ids:)`` writes the files ``drop(_:)`` renames into the inbox (same filesystem).
    private let staging: URL
    private let root: String
    private let archive: String
    private var database: OpaquePointer?
    private var wal: Int32 = -1
    private let outboxDescriptor: Int32
    private var statements: [String: OpaquePointer] = [:]
    private let mapper: OrderFileMapper
    /// The ledger's rows as the map stage writes them: its default profile, sales orders.
    private let profile = OrderMappingSettings().profile
    private var sequence = 0
    /// When the last batch's outputs were all renamed into the outbox (``now()``): when a watcher would see them.
    private(set) var published = 0.0
    private let stamps = ISO8601DateFormatter()

    /// Creates `root` with its folders (inbox, staging, work, outbox, archive) and a fresh state store.
    init(root url: URL) throws {
        try makeFolder(url)
        root = url.path
        inbox = url.appendingPathComponent("inbox")
        staging = url.appendingPathComponent("staging")
        outbox = root + "/outbox"
        archive = root + "/archive/day/map-orders"
        for folder in [inbox.path, staging.path, root + "/work", outbox, archive, root + "/state"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        var logger = Logger(label: "ferry.bench.floor")
        logger.logLevel = .critical
        mapper = OrderFileMapper(settings: OrderMappingSettings(), logger: logger)
        guard sqlite3_open(root + "/state/ferry.sqlite", &database) == SQLITE_OK else {
            throw BenchError("the floor's state store in \(root) cannot be opened")
        }
        outboxDescriptor = open(outbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        // As the state store: WAL, a commit writes the WAL without syncing it, no automatic checkpoint.
        try execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0")
        try execute(Self.schema)
        try execute("BEGIN IMMEDIATE; COMMIT")
        wal = open(root + "/state/ferry.sqlite-wal", O_RDONLY | O_CLOEXEC)
        guard outboxDescriptor >= 0, wal >= 0, Self.renameat2Symbol != nil, Self.syncfsSymbol != nil else {
            throw BenchError("the floor's folders in \(root): errno \(errno)")
        }
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close(database)
        close(wal)
        close(outboxDescriptor)
    }

    /// Writes one-order files for `ids` beside the inbox; returns their names.
    func stage(ids: Range<Int>) throws -> [String] { try OrderGenerator.writeSingles(ids: ids, into: staging) }

    /// Renames a staged file into the inbox, as a user's drop.
    func drop(_ name: String) throws {
        guard rename(staging.path + "/" + name, inbox.path + "/" + name) == 0 else {
            throw BenchError("rename \(name) into the floor's inbox: errno \(errno)")
        }
    }

    /// Throws unless the outbox holds `count` outputs: the floor's figures count only when it did all the work.
    func checkOutputs(_ count: Int) throws {
        let found = countVisibleEntries(outbox)
        guard found == count else { throw BenchError("the floor left \(count - found) of \(count) files without an output") }
    }

    /// Deletes the floor's folders.
    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Claims, maps, commits, publishes and archives `names` (files in the inbox) as one batch, as the engine does a
    /// batch: one claim transaction, one commit transaction, one sync of each kind, one done transaction.
    func process(_ names: [String]) throws {
        let stamp = stamps.string(from: Date())
        let runs = names.map { _ in sequence += 1; return "r\(sequence)" }
        // Claim: the rows, then the renames; nothing synced (the commit's syncs carry them).
        var ids: [Int64] = []
        try transaction {
            for (name, run) in zip(names, runs) {
                try step("claim", [.text("map-orders"), .text(run), .text(name), .text(inbox.path), .text("claimed"), .int(0), .real(now())])
                ids.append(sqlite3_last_insert_rowid(database))
            }
        }
        for (name, run) in zip(names, runs) { try check(rename(inbox.path + "/" + name, root + "/work/" + run), "claim \(name)") }
        // Run: each file mapped into its temporary, the ledger looked up for each order.
        var sent: [[(externalId: String, hash: String)]] = []
        var temporaries: [String] = []
        for (name, run) in zip(names, runs) {
            let output = Self.outputName(name)
            let temporary = outbox + "/.ferry-\(run)-\(output).tmp"
            var orders: [(externalId: String, hash: String)] = []
            let summary = try mapper.map(
                input: URL(filePath: root + "/work/" + run), output: { URL(filePath: temporary) }, fail: nil, sent: nil,
                lookup: { batch in
                    try batch.map { order in
                        if try self.step("lookup", [.text(self.profile), .text(Ledger.salesOrder), .text(order.externalId)]) {
                            throw BenchError("order \(order.externalId) is already in the floor's ledger")
                        }
                        orders.append(order)
                        return .new
                    }
                })
            guard summary.failed == 0 else { throw BenchError("the floor's mapping refused an order of \(name)") }
            sent.append(orders)
            temporaries.append(temporary)
        }
        // Commit: the temporaries reach the disk before the transaction that names them.
        if temporaries.count == 1 {
            let descriptor = open(temporaries[0], O_RDONLY | O_CLOEXEC)
            try check(fsync(descriptor), "fsync \(temporaries[0])")
            close(descriptor)
        } else {
            typealias SyncFS = @convention(c) (Int32) -> Int32
            try check(unsafeBitCast(Self.syncfsSymbol, to: SyncFS.self)(outboxDescriptor), "syncfs \(outbox)")
        }
        try transaction {
            for index in names.indices {
                try step("savepoint", [])
                let output = Self.outputName(names[index])
                let outputs = "[{\"temp\":\"\(temporaries[index])\",\"folder\":\"\(outbox)\",\"name\":\"\(output)\"}]"
                try step("save", [
                    .text("committed"), .int(0), .null, .null, .text(outputs), .text(archive), .text(names[index]),
                    .text("{\"orders.mapped\":1}"), .null, .int(ids[index]),
                ])
                for order in sent[index] {
                    try step("record", [
                        .text(profile), .text(Ledger.salesOrder), .text(order.externalId), .text(order.externalId), .text(order.hash),
                        .text(stamp), .text(stamp),
                    ])
                }
                try step("release", [])
            }
        }
        try check(fdatasync(wal), "fdatasync the WAL")
        // As the state store: a passive checkpoint past 4 MiB of WAL, right after the WAL was synced.
        if lseek(wal, 0, SEEK_END) > 4 << 20 {
            sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
        // Publish, then archive.
        for (name, temporary) in zip(names, temporaries) {
            // RENAME_NOREPLACE is 1.
            try check(unsafeBitCast(Self.renameat2Symbol, to: RenameAt2.self)(outboxDescriptor, temporary, outboxDescriptor, Self.outputName(name), 1), "publish \(name)")
        }
        published = now()
        try check(fsync(outboxDescriptor), "fsync \(outbox)")
        for (name, run) in zip(names, runs) {
            try check(link(root + "/work/" + run, archive + "/" + name), "archive \(name)")
            try check(unlink(root + "/work/" + run), "unlink \(run)")
        }
        try transaction {
            for id in ids {
                try step("save", [.text("done"), .int(0), .null, .null, .null, .null, .null, .null, .real(now()), .int(id)])
            }
        }
    }

    static func outputName(_ name: String) -> String { FerryDaemon.outputName(name) }

    private static let schema = """
        CREATE TABLE pipeline_runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT, stage TEXT NOT NULL, runID TEXT NOT NULL, originalName TEXT NOT NULL,
          folder TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, nextAttempt DOUBLE,
          lastError TEXT, outputs TEXT, destination TEXT, destinationName TEXT, counters TEXT, claimedAt DOUBLE NOT NULL,
          finishedAt DOUBLE, UNIQUE (stage, runID));
        CREATE INDEX pipeline_runs_by_state ON pipeline_runs(stage, state);
        CREATE TABLE sage_ledger (
          profile TEXT NOT NULL, record_type TEXT NOT NULL, external_id TEXT NOT NULL, external_ref TEXT, internal_id TEXT,
          hash TEXT NOT NULL, changed_hash TEXT, created TEXT NOT NULL, modified TEXT NOT NULL,
          PRIMARY KEY (profile, record_type, external_id));
        CREATE INDEX sage_ledger_ref ON sage_ledger(external_ref);
        """

    /// The engine's statements, by name.
    private static let sql = [
        "begin": "BEGIN DEFERRED", "commit": "COMMIT", "savepoint": "SAVEPOINT file", "release": "RELEASE file",
        "claim": "INSERT INTO pipeline_runs (stage, runID, originalName, folder, state, attempts, claimedAt) VALUES (?, ?, ?, ?, ?, ?, ?)",
        "lookup": "SELECT * FROM sage_ledger WHERE profile = ? AND record_type = ? AND external_id = ?",
        "save": """
            UPDATE pipeline_runs SET state = ?, attempts = ?, nextAttempt = ?, lastError = ?, outputs = ?, destination = ?,
              destinationName = ?, counters = ?, finishedAt = ? WHERE id = ?
            """,
        "record": """
            INSERT OR IGNORE INTO sage_ledger (profile, record_type, external_id, external_ref, hash, created, modified)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
    ]

    private enum Value { case text(String), int(Int64), real(Double), null }

    /// Runs a prepared statement to its end; true when it returned a row.
    @discardableResult
    private func step(_ name: String, _ values: [Value]) throws -> Bool {
        let statement = try prepared(name)
        defer { sqlite3_reset(statement); sqlite3_clear_bindings(statement) }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .text(let text): sqlite3_bind_text(statement, position, text, -1, Self.transient)
            case .int(let number): sqlite3_bind_int64(statement, position, number)
            case .real(let number): sqlite3_bind_double(statement, position, number)
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        var row = false
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: row = true
            case SQLITE_DONE: return row
            default: throw BenchError("the floor's \(name): \(String(cString: sqlite3_errmsg(database)))")
            }
        }
    }

    private func prepared(_ name: String) throws -> OpaquePointer {
        if let statement = statements[name] { return statement }
        var statement: OpaquePointer?
        guard let sql = Self.sql[name], sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else { throw BenchError("the floor's \(name) cannot be prepared: \(String(cString: sqlite3_errmsg(database)))") }
        statements[name] = statement
        return statement
    }

    private func transaction(_ body: () throws -> Void) throws {
        try step("begin", [])
        do {
            try body()
            try step("commit", [])
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private func execute(_ sql: String) throws {
        guard sqlite3_exec(database, sql, nil, nil, nil) == SQLITE_OK else {
            throw BenchError("the floor's \(sql.prefix(40)): \(String(cString: sqlite3_errmsg(database)))")
        }
    }

    private func check(_ result: Int32, _ what: String) throws {
        guard result == 0 else { throw BenchError("the floor's \(what): errno \(errno)") }
    }

    // glibc declares these only under `_GNU_SOURCE`, which Swift's Glibc module lacks (as in the engine).
    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    // nonisolated(unsafe): written once, by the static initializer, and only read afterwards.
    private nonisolated(unsafe) static let renameat2Symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2")
    private nonisolated(unsafe) static let syncfsSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs")

    /// SQLite copies the text it binds (`SQLITE_TRANSIENT`, a macro Swift does not import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

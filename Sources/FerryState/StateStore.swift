import Foundation
public import GRDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The durable state of ferry: one SQLite database (WAL) shared by the engine and the connectors, each owning
/// its own tables through ``StateMigration``s.
///
/// Every write is a transaction that is on disk when the call returns, so a record made before an effect
/// (a claimed file, a posted comment) survives a SIGKILL or a power loss right after it.
///
/// Async code calls the async ``read(_:)``, ``write(_:)``, ``readLatest(_:)`` and ``flush()``: they suspend while
/// GRDB's queues run the closure (the writer's serial queue, or one of the readers') instead of blocking one of
/// the cooperative pool's few threads. Cancelling the calling task interrupts the transaction, which rolls back,
/// and the call throws `CancellationError` (GRDB's behaviour). The synchronous forms block the calling thread;
/// they are for code that already runs on the blocking pool (task bodies inside `offload`, the curl pool) and
/// are `noasync`, so the compiler refuses them in async code.
///
/// Callers never hold GRDB's connection objects (the pool, its writer and readers): the store alone decides which
/// connection and queue runs a closure, and what a read waits for. Inside a closure they get ``StateDatabase``,
/// which is GRDB's `Database`: that handle is the store's SQL interface (statements, records, the query builder),
/// as it is for GRDB's own `DatabaseWriter`, and a wrapper of ours would only copy its API.
public final class StateStore: Sendable {
    /// The connections: one writer on a serial queue, readers on their own.
    private let writer: DatabasePool

    /// The file the store lives in.
    public let path: String

    /// Files that queued deferred transactions record as complete, registered when queued. The writer syncs
    /// them in the turn of the first such transaction, before it writes it to the WAL.
    let filesToSync = Mutex<[String]>([])
    /// The last transaction queued by ``queueDeferred(syncing:_:)``, until it finishes. The writer runs them in
    /// order, so once it has finished so have all queued before it: a read waits for this one only, and
    /// never for a transaction queued after the read began (a busy stage would starve another stage's reads).
    private let lastQueued = Mutex<QueuedWrite?>(nil)
    /// Read-only connections for ``readCommitted(_:)``: opened when every one is in use, then kept.
    let committedReaders = Mutex<[DatabaseQueue]>([])
    /// The WAL size past which ``write(_:)`` and ``flush()`` checkpoint (SQLite's automatic default, 1,000 pages of 4 KiB).
    private static let checkpointBytes = 4 << 20

    /// Opens (creating if needed) the store at `path` and brings every module's tables up to date.
    ///
    /// - Parameters:
    ///   - path: the SQLite file; its folder must exist.
    ///   - migrations: every module's migrations, applied once each in order, by identifier.
    /// - Throws: ``StateStoreError`` naming the file and what to do.
    public init(path: String, migrations: [StateMigration]) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // synchronous=NORMAL: a commit writes the WAL without syncing it. A durable write syncs it itself
            // (``syncWAL()``): as `synchronous=FULL` would, minus a `PRAGMA` before and after every deferred
            // transaction and the transaction a flush needed.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A checkpoint fsyncs the WAL and copies it into the database file: checkpoints run only in durable
            // writes, so a batch of deferred transactions costs one WAL fsync.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        // Another ferry process (a `ferry status` beside `ferry watch`) waits instead of failing at once.
        configuration.busyMode = .timeout(10)
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            var seen = Set<String>()
            for migration in migrations + [Self.flushMigration] where seen.insert(migration.identifier).inserted {
                migrator.registerMigration(migration.identifier, migrate: migration.migrate)
            }
            self.path = path
            try migrator.migrate(writer)
            // The migrations' commits, like every write, are durable only once the WAL is synced.
            try writer.writeWithoutTransaction { _ in try syncWAL() }
        } catch {
            throw StateStoreError(path: path, underlying: error)
        }
    }

    /// Runs `body` in a write transaction, durable when this returns (with every deferred one before it).
    ///
    /// Suspends while the writer's queue runs it.
    public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await naming { try await writer.writeWithoutTransaction { db in try durableTransaction(db, body) } }
    }

    /// ``write(_:)`` for code on the blocking pool: blocks the calling thread instead of suspending.
    @available(*, noasync, message: "it blocks on disk I/O: await the async write, or call it on the blocking pool (offload)")
    public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try naming { try writer.writeWithoutTransaction { db in try durableTransaction(db, body) } }
    }

    /// A transaction on disk when it returns, with every deferred one before it. Runs in the writer's turn.
    ///
    /// The files deferred transactions record need no sync here: each was synced before its transaction was
    /// written, and the files still registered belong to transactions not yet written.
    private func durableTransaction<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        var result: T?
        try db.inTransaction {
            result = try body(db)
            return .commit
        }
        try syncWAL()
        checkpointPastLimit(db)
        return result!
    }

    /// Copies the WAL into the database file once it is past ``checkpointBytes``: automatic checkpoints are off,
    /// so without this the WAL of a long `ferry watch` would only grow. Runs in the writer's turn, right after the
    /// WAL was synced (the checkpoint makes every transaction in it durable; the files they record were synced
    /// before they were written).
    private func checkpointPastLimit(_ db: Database) {
        var wal = stat()
        if stat(path + "-wal", &wal) == 0, wal.st_size > Self.checkpointBytes {
            // PASSIVE never waits for readers (`ferry status`); what it cannot copy waits for the next one.
            _ = try? db.checkpoint(.passive)
        }
    }

    /// Runs `body` in a write transaction that other readers see at once but that reaches the disk only with
    /// the next durable write (``write(_:)`` or ``flush()``): a batch of such transactions then costs one fsync
    /// instead of one each.
    ///
    /// A process crash loses nothing (the transaction is in the operating system's cache); a power loss may lose
    /// the deferred transactions since the last durable write, never a later one without an earlier one (the WAL
    /// is replayed as a prefix). Use it only for records whose loss is redone safely, and call ``flush()`` before
    /// any effect that depends on them becomes visible.
    ///
    /// - Parameter files: files the transaction records as complete (an engine run's output temporaries). They
    ///   are synced before the transaction is written to the WAL, not only before it is flushed: the kernel may
    ///   write the WAL's pages back at any moment (its writeback delay, memory pressure, any `syncfs`), and a
    ///   power cut must never keep a commit whose files it lost. Files of transactions queued meanwhile are
    ///   synced with them: one `syncfs` per filesystem for all instead of one fsync per file. If that fails,
    ///   its own files are synced one by one: a file that cannot be synced fails only the transaction that
    ///   records it, which is not written and throws.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    public func writeDeferred<T: Sendable>(syncing files: [String] = [], _ body: @Sendable (Database) throws -> T) throws -> T {
        register(files)
        return try naming { try writer.writeWithoutTransaction { db in try deferredTransaction(db, recording: files, body) } }
    }

    /// ``writeDeferred(syncing:_:)`` without waiting for it: the transaction is queued on the writer now, after
    /// every write queued before it and before every later write and read, and runs while the caller goes
    /// on. The engine commits a file this way while the next file's task runs; that task still sees the commit,
    /// because a read waits for the queued transactions first.
    ///
    /// - Returns: the queued transaction; ``QueuedWrite/finished()`` says how it ended.
    public func queueDeferred(syncing files: [String] = [], _ body: @escaping @Sendable (Database) throws -> Void) -> QueuedWrite {
        let queued = QueuedWrite()
        // Registered now, so that the turn of the first transaction with files syncs those of every one queued
        // behind it too (they are complete: their writers closed them before queueing).
        register(files)
        // Queued and remembered under one lock: the last one remembered is always the last one queued.
        lastQueued.withLock { last in
            writer.asyncWriteWithoutTransaction { [self] db in
                let result = Result { try deferredTransaction(db, recording: files, body) }
                    .mapError { error -> any Error in named(error) }
                lastQueued.withLock { last in if last === queued { last = nil } }
                queued.finish(result)
            }
            last = queued
        }
        return queued
    }

    /// A transaction committed to the WAL without syncing it. Runs in the writer's turn.
    ///
    /// - Parameter files: the files it registered: synced first (``syncBeforeWriting(_:)``).
    private func deferredTransaction<T>(_ db: Database, recording files: [String], _ body: (Database) throws -> T) throws -> T {
        if !files.isEmpty { try syncBeforeWriting(files) }
        var result: T?
        try db.inTransaction {
            result = try body(db)
            return .commit
        }
        return result!
    }

    /// Makes every transaction committed so far durable: in the writer's turn, the WAL, which holds every commit,
    /// is synced (the files deferred transactions record were synced before they were written). Suspends while
    /// the writer's queue runs it.
    public func flush() async throws {
        try await naming { try await writer.writeWithoutTransaction { db in try flushInWritersTurn(db) } }
    }

    /// ``flush()`` for code on the blocking pool: blocks the calling thread instead of suspending.
    @available(*, noasync, message: "it blocks on disk I/O: await the async flush, or call it on the blocking pool (offload)")
    public func flush() throws {
        try naming { try writer.writeWithoutTransaction { db in try flushInWritersTurn(db) } }
    }

    private func flushInWritersTurn(_ db: Database) throws {
        try syncWAL()
        checkpointPastLimit(db)
    }

    /// Copies the WAL into the database file and empties it (a `TRUNCATE` checkpoint). For benchmarks that
    /// seed a store and must not time the copying of the seed.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    public func checkpoint() throws {
        try naming {
            try writer.writeWithoutTransaction { db in
                _ = try db.checkpoint(.truncate)
            }
        }
    }

    /// The row flushes rewrote while the store ran with `synchronous=FULL` (SQLite syncs the WAL only for a
    /// transaction that changed a page); no longer written, kept so that stores made since migrate as before.
    private static let flushMigration = StateMigration("state.v1") { db in
        try db.execute(sql: "CREATE TABLE state_flush (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL)")
    }

    /// Runs `body` on the writer's connection, after every transaction queued so far: for short look-ups on a
    /// hot path that must see the latest commits (the ledger's, one per order mapped). It skips a reader's
    /// transaction and the reading back of pages the writer just changed; `body` should run one statement, which
    /// SQLite reads from one snapshot. Suspends while the writer's queue runs it.
    public func readLatest<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await naming { try await writer.writeWithoutTransaction(body) }
    }

    /// ``readLatest(_:)`` for code on the blocking pool: blocks the calling thread instead of suspending.
    @available(*, noasync, message: "it blocks on the writer: await the async readLatest, or call it on the blocking pool (offload)")
    public func readLatest<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try naming { try writer.writeWithoutTransaction(body) }
    }

    /// Runs `body` against a consistent snapshot, taken after every transaction queued before this call has
    /// finished (not those queued while it waits: a busy stage must not starve another stage's reads).
    ///
    /// Suspends, first for the last deferred transaction queued (``QueuedWrite``), then while a reader runs
    /// `body`. Never call it inside a transaction of this store (a commit hook): it would wait for that
    /// transaction.
    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        // Queued deferred transactions are few and short (one file's commit each): waiting costs little, and
        // a task never misses the ledger rows of the file committed just before it. However it ended.
        _ = await lastQueued.withLock({ $0 })?.outcome()
        return try await naming { try await writer.read(body) }
    }

    /// ``read(_:)`` for code on the blocking pool: blocks the calling thread instead of suspending.
    @available(*, noasync, message: "it blocks the thread: await the async read, or call it on the blocking pool (offload)")
    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        lastQueued.withLock { $0 }?.waitUntilFinished()
        return try naming { try writer.read(body) }
    }

    /// Runs `body`, turning what it throws into a ``StateStoreError`` that names the file (a cancellation stays
    /// a `CancellationError`, for the callers that stop on it).
    func naming<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw named(error) }
    }

    private func naming<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw named(error) }
    }

    private func named(_ error: any Error) -> any Error {
        if error is StateStoreError || error is CancellationError { return error }
        return StateStoreError(path: path, underlying: error)
    }
}

/// One module's schema step, applied once per store by its identifier ("pipeline.v1", "magento.v1", ...).
public struct StateMigration: Sendable {
    /// Unique across modules: prefix it with the module's name.
    public let identifier: String
    /// Creates or alters the module's tables.
    public let migrate: @Sendable (Database) throws -> Void

    /// Creates a migration.
    public init(_ identifier: String, migrate: @escaping @Sendable (Database) throws -> Void) {
        self.identifier = identifier
        self.migrate = migrate
    }
}

/// The state store could not be opened, migrated, read or written.
public struct StateStoreError: Error, CustomStringConvertible {
    /// The SQLite file.
    public let path: String
    /// What SQLite or GRDB said.
    public let underlying: any Error

    public var description: String {
        "state store \(path): \(underlying). Check that the folder exists and is writable by ferry, "
            + "and that the disk is not full; restore from a backup if the file is damaged."
    }
}

/// The database handle modules receive in transactions and commit hooks.
public typealias StateDatabase = GRDB.Database

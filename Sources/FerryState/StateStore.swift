import Foundation
public import GRDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The durable state of ferry: one SQLite database (WAL, `synchronous=FULL`) shared by the engine and the
/// connectors, each owning its own tables through ``StateMigration``s.
///
/// Every write is a transaction that is on disk when the call returns, so a record made before an effect
/// (a claimed file, a posted comment) survives a SIGKILL or a power loss right after it.
public final class StateStore: Sendable {
    /// The GRDB writer. Modules use it for their own tables; they never open the file themselves.
    public let writer: DatabasePool

    /// The file the store lives in.
    public let path: String

    /// Files that deferred transactions rely on and that must reach the disk before those transactions do.
    private let filesToSync = Mutex<[String]>([])
    /// The last transaction queued by ``queueDeferred(syncing:_:)``, until it finishes. The writer runs them in
    /// order, so once it has finished so have all queued before it: ``read(_:)`` waits for this one only, and
    /// never for a transaction queued after the read began (a busy stage would starve another stage's reads).
    private let lastQueued = Mutex<QueuedWrite?>(nil)
    /// The WAL size past which ``write(_:)`` checkpoints (SQLite's automatic default, 1,000 pages of 4 KiB).
    private static let checkpointBytes = 4 << 20

    /// Opens (creating if needed) the store at `path` and brings every module's tables up to date.
    ///
    /// - Parameters:
    ///   - path: the SQLite file; its folder must exist.
    ///   - migrations: every module's migrations, applied once each in order, by identifier.
    /// - Throws: ``StateStoreError`` naming the file and what to do.
    public init(path: String, migrations: [StateMigration]) throws {
        var configuration = Configuration()
        // synchronous=FULL: a committed transaction survives power loss, not only a process crash.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A checkpoint fsyncs the WAL, which would make deferred transactions durable before the files they
            // rely on (see writeDeferred): checkpoints run only in durable writes, after those files are synced.
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
            try migrator.migrate(writer)
        } catch {
            throw StateStoreError(path: path, underlying: error)
        }
        self.path = path
    }

    /// Runs `body` in a write transaction, durable when this returns (with every deferred one before it).
    public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do {
            return try writer.writeWithoutTransaction { db in try durableTransaction(db, body) }
        } catch let error as StateStoreError { throw error } catch {
            throw StateStoreError(path: path, underlying: error)
        }
    }

    /// A transaction on disk when it returns, with every deferred one before it. Runs in the writer's turn.
    private func durableTransaction<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        // Inside the writer's turn: no deferred transaction can slip in between the sync and the commit.
        try syncDeferredFiles()
        var result: T?
        try db.inTransaction {
            result = try body(db)
            return .commit
        }
        var wal = stat()
        if stat(path + "-wal", &wal) == 0, wal.st_size > Self.checkpointBytes {
            // PASSIVE never waits for readers (`ferry status`); what it cannot copy waits for the next one.
            _ = try? db.checkpoint(.passive)
        }
        return result!
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
    ///   are synced before the transaction can become durable, together with those of the other deferred
    ///   transactions: one `syncfs` per filesystem for a batch instead of one fsync per file.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    public func writeDeferred<T: Sendable>(syncing files: [String] = [], _ body: @Sendable (Database) throws -> T) throws -> T {
        do {
            return try writer.writeWithoutTransaction { db in try deferredTransaction(db, syncing: files, body) }
        } catch let error as StateStoreError { throw error } catch {
            throw StateStoreError(path: path, underlying: error)
        }
    }

    /// ``writeDeferred(syncing:_:)`` without waiting for it: the transaction is queued on the writer now, after
    /// every write queued before it and before every later write and ``read(_:)``, and runs while the caller goes
    /// on. The engine commits a file this way while the next file's task runs; that task still sees the commit,
    /// because a read waits for the queued transactions first.
    ///
    /// - Returns: the queued transaction; ``QueuedWrite/finished()`` says how it ended.
    public func queueDeferred(syncing files: [String] = [], _ body: @escaping @Sendable (Database) throws -> Void) -> QueuedWrite {
        let queued = QueuedWrite()
        // Queued and remembered under one lock: the last one remembered is always the last one queued.
        lastQueued.withLock { last in
            writer.asyncWriteWithoutTransaction { [self] db in
                let result = Result { try deferredTransaction(db, syncing: files, body) }
                    .mapError { error -> any Error in error as? StateStoreError ?? StateStoreError(path: path, underlying: error) }
                lastQueued.withLock { last in if last === queued { last = nil } }
                queued.finish(result)
            }
            last = queued
        }
        return queued
    }

    private func deferredTransaction<T>(_ db: Database, syncing files: [String], _ body: (Database) throws -> T) throws -> T {
        filesToSync.withLock { $0.append(contentsOf: files) }
        // One writer connection, held for the whole call: no other transaction runs with this setting.
        try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute()
        defer { try? db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute() }
        var result: T?
        try db.inTransaction {
            result = try body(db)
            return .commit
        }
        return result!
    }

    /// Makes every transaction committed so far durable: a one-row write with `synchronous=FULL`, whose fsync of
    /// the WAL also carries every deferred transaction written before it.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    public func flush() throws {
        try write(Self.flushRow)
    }

    /// ``flush()`` for async code: suspends until the writer has made it durable instead of blocking a thread.
    public func flush() async throws {
        do {
            try await writer.writeWithoutTransaction { db in try durableTransaction(db, Self.flushRow) }
        } catch let error as StateStoreError { throw error } catch {
            throw StateStoreError(path: path, underlying: error)
        }
    }

    private static func flushRow(_ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO state_flush (id, count) VALUES (1, 1) ON CONFLICT(id) DO UPDATE SET count = count + 1").execute()
    }

    /// fsyncs the files deferred transactions rely on: one file alone, or a `syncfs` per filesystem for several
    /// (one journal commit and one disk flush instead of one per file). Runs in the writer's turn.
    private func syncDeferredFiles() throws {
        let files = filesToSync.withLock { files in
            defer { files.removeAll() }
            return files
        }
        guard !files.isEmpty else { return }
        do {
            if files.count == 1 || Self.syncfsSymbol == nil {
                for file in files { try Self.sync(file, wholeFilesystem: false) }
            } else {
                var devices = Set<UInt64>()
                for file in files {
                    var info = stat()
                    // Gone: published (after an earlier sync) or removed with its run; nothing to sync.
                    guard stat(file, &info) == 0 else { continue }
                    if devices.insert(UInt64(info.st_dev)).inserted { try Self.sync(file, wholeFilesystem: true) }
                }
            }
        } catch {
            // Not synced: keep them for the next durable write, which fails the same way until the disk recovers.
            filesToSync.withLock { $0.insert(contentsOf: files, at: 0) }
            throw error
        }
    }

    private static func sync(_ file: String, wholeFilesystem: Bool) throws {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return }
            throw SyncError(file: file, code: errno)
        }
        defer { close(fd) }
        if (wholeFilesystem ? syncFilesystem(fd) : fsync(fd)) != 0 { throw SyncError(file: file, code: errno) }
    }

    /// glibc's `syncfs`, which its headers declare only under `_GNU_SOURCE` (so Swift's Glibc module lacks it).
    /// Only called when ``syncfsSymbol`` was found.
    private static func syncFilesystem(_ fd: Int32) -> Int32 {
        typealias SyncFS = @convention(c) (Int32) -> Int32
        guard let symbol = syncfsSymbol else { return fsync(fd) }
        return unsafeBitCast(symbol, to: SyncFS.self)(fd)
    }

    private nonisolated(unsafe) static let syncfsSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs")

    /// A file a deferred transaction relies on could not be synced.
    struct SyncError: Error, CustomStringConvertible {
        let file: String
        let code: Int32
        var description: String { "cannot sync \(file) to disk: \(String(cString: strerror(code)))" }
    }

    /// The row ``flush()`` rewrites: SQLite syncs the WAL only for a transaction that changed a page.
    private static let flushMigration = StateMigration("state.v1") { db in
        try db.execute(sql: "CREATE TABLE state_flush (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL)")
    }

    /// Runs `body` on the writer's connection, after every transaction queued so far: for short look-ups on a
    /// hot path that must see the latest commits (the ledger's, one per order mapped). It skips a reader's
    /// transaction and the reading back of pages the writer just changed; `body` should run one statement, which
    /// SQLite reads from one snapshot.
    public func readLatest<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do { return try writer.writeWithoutTransaction(body) } catch {
            throw StateStoreError(path: path, underlying: error)
        }
    }

    /// Runs `body` against a consistent snapshot, taken after every transaction queued so far has finished.
    ///
    /// Never call it inside a transaction of this store (a commit hook): it would wait for that transaction.
    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        // Queued deferred transactions are few and short (one file's commit each): waiting costs little, and
        // a task never misses the ledger rows of the file committed just before it.
        lastQueued.withLock { $0 }?.waitUntilFinished()
        do { return try writer.read(body) } catch {
            throw StateStoreError(path: path, underlying: error)
        }
    }
}

/// A transaction queued with ``StateStore/queueDeferred(syncing:_:)``.
public final class QueuedWrite: Sendable {
    private struct State {
        var result: Result<Void, any Error>?
        var waiter: CheckedContinuation<Void, any Error>?
    }
    private let state = Mutex(State())
    /// Left when the transaction has finished, for the readers that block until then.
    private let done = DispatchGroup()

    init() { done.enter() }

    func finish(_ result: Result<Void, any Error>) {
        let waiter = state.withLock { state in
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        done.leave()
        waiter?.resume(with: result)
    }

    /// Blocks the calling thread until the transaction has finished, however it ended.
    @available(*, noasync, message: "it blocks the thread: await finished() instead")
    func waitUntilFinished() { done.wait() }

    /// Returns when the transaction has committed; throws ``StateStoreError`` when it failed (and rolled back).
    public func finished() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let result { continuation.resume(with: result) }
        }
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

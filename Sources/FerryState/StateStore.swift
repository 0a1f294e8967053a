public import GRDB

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

    /// Runs `body` in a write transaction, durable when this returns.
    public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do { return try writer.write(body) } catch let error as StateStoreError { throw error } catch {
            throw StateStoreError(path: path, underlying: error)
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
    public func writeDeferred<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do {
            return try writer.writeWithoutTransaction { db in
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
        } catch let error as StateStoreError { throw error } catch {
            throw StateStoreError(path: path, underlying: error)
        }
    }

    /// Makes every transaction committed so far durable: a one-row write with `synchronous=FULL`, whose fsync of
    /// the WAL also carries every deferred transaction written before it.
    public func flush() throws {
        _ = try write { db in
            try db.cachedStatement(sql: "INSERT INTO state_flush (id, count) VALUES (1, 1) ON CONFLICT(id) DO UPDATE SET count = count + 1").execute()
        }
    }

    /// The row ``flush()`` rewrites: SQLite syncs the WAL only for a transaction that changed a page.
    private static let flushMigration = StateMigration("state.v1") { db in
        try db.execute(sql: "CREATE TABLE state_flush (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL)")
    }

    /// Runs `body` against a consistent snapshot.
    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do { return try writer.read(body) } catch {
            throw StateStoreError(path: path, underlying: error)
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

import FerryState
import Foundation
import GRDB
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The state store's queued deferred transactions, what a read waits for, and its async API.
@Suite(.serialized) struct StateStoreTests {
    /// What the reading thread saw.
    final class Seen: Sendable {
        let names = Mutex<[String]>([])
    }

    static func openStore() throws -> (StateStore, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (try reopen(folder), folder)
    }

    static func reopen(_ folder: URL) throws -> StateStore {
        try StateStore(
            path: folder.appendingPathComponent("ferry.sqlite").path,
            migrations: [StateMigration("test.v1") { db in try db.execute(sql: "CREATE TABLE t (name TEXT NOT NULL)") }])
    }

    static func names(_ store: StateStore) throws -> [String] {
        try store.read { db in try String.fetchAll(db, sql: "SELECT name FROM t ORDER BY rowid") }
    }

    static func committedNames(_ store: StateStore) throws -> [String] {
        try store.readCommitted { db in try String.fetchAll(db, sql: "SELECT name FROM t ORDER BY rowid") }
    }

    @Test func aReadSeesEveryTransactionQueuedBeforeIt() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        var last: QueuedWrite?
        for index in 0..<50 {
            last = store.queueDeferred { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["\(index)"]) }
        }
        // Not awaited: the read itself waits for them.
        #expect(try Self.names(store) == (0..<50).map { "\($0)" })
        try await last?.finished()
        try await store.flush()
    }

    /// A read waits for the transactions queued before it, not for one queued while it waits: a stage that
    /// keeps queueing commits must not starve another stage's reads.
    @Test func aReadDoesNotWaitForATransactionQueuedAfterIt() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Threads are scheduled as the loaded machine pleases: the read may begin after the second write was
        // queued, and then rightly waits for it. A correct store shows the intended order in one of a few tries;
        // a store whose reads wait for every pending write never does.
        var finishedFirst = false
        for attempt in 0..<4 where !finishedFirst {
            let releaseFirst = DispatchSemaphore(value: 0)
            let releaseSecond = DispatchSemaphore(value: 0)
            let first = store.queueDeferred { db in
                releaseFirst.wait()
                try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["first-\(attempt)"])
            }
            let readDone = DispatchSemaphore(value: 0)
            let seen = Seen()
            Thread.detachNewThread {
                let names = (try? Self.names(store)) ?? []
                seen.names.withLock { $0 = names }
                readDone.signal()
            }
            // Give the read a head start, so that it is waiting for the first write when the second is queued.
            try await Task.sleep(for: .milliseconds(100))
            let second = store.queueDeferred { db in
                releaseSecond.wait()
                try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["second-\(attempt)"])
            }
            releaseFirst.signal()
            try await first.finished()
            // A hang guard, not a speed check: the read needs nothing more than the first write.
            finishedFirst = readDone.wait(timeout: .now() + 5) == .success
            releaseSecond.signal()
            try await second.finished()
            if !finishedFirst { readDone.wait() }
            if finishedFirst {
                #expect(seen.names.withLock { $0 }.contains("first-\(attempt)"))
                #expect(!seen.names.withLock { $0 }.contains("second-\(attempt)"))
            }
        }
        #expect(finishedFirst, "the read waited for a write queued after it")
    }

    /// A committed read (the ledger's look-ups) sees what is written and waits for nothing queued: while a
    /// queued transaction is held, eight threads reading at once all return, without its row; once it is
    /// written, they see it.
    @Test func aCommittedReadSeesWhatIsWrittenWithoutWaitingForTheQueue() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await store.queueDeferred { db in try db.execute(sql: "INSERT INTO t VALUES ('written')") }.finished()
        let release = DispatchSemaphore(value: 0)
        let held = store.queueDeferred { db in
            release.wait()
            try db.execute(sql: "INSERT INTO t VALUES ('queued')")
        }
        let seen = Seen()
        let readers = DispatchGroup()
        for _ in 0..<8 {
            readers.enter()
            Thread.detachNewThread {
                let names = (try? Self.committedNames(store)) ?? ["failed"]
                seen.names.withLock { $0 += names }
                readers.leave()
            }
        }
        // A hang guard, not a speed check: a read that waited for the held transaction never returns before it.
        let returned = readers.wait(timeout: .now() + 10) == .success
        release.signal()
        try await held.finished()
        if !returned { readers.wait() }
        #expect(returned, "a committed read waited for a queued transaction")
        #expect(seen.names.withLock { $0 } == Array(repeating: "written", count: 8))
        #expect(try Self.committedNames(store) == ["written", "queued"])
    }

    /// A deferred transaction is visible at once; its files are synced before anything makes it durable, and a
    /// flush (the async one suspends instead of blocking) makes it and every one before it durable.
    @Test func aFlushMakesEveryDeferredTransactionDurableWithTheFilesTheyRecord() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("output.tmp")
        try Data("made".utf8).write(to: output)
        let gone = folder.appendingPathComponent("published-meanwhile.tmp").path
        let first = store.queueDeferred(syncing: [output.path, gone]) { db in
            try db.execute(sql: "INSERT INTO t VALUES ('first')")
        }
        let second = store.queueDeferred { db in try db.execute(sql: "INSERT INTO t VALUES ('second')") }
        #expect(try Self.names(store) == ["first", "second"])
        try await first.finished()
        try await second.finished()
        // A recorded file that is gone by then (published after an earlier sync) does not fail the flush.
        try await store.flush()
        // Another connection, as after a restart, reads them from the file.
        #expect(try Self.names(try Self.reopen(folder)) == ["first", "second"])
    }

    /// The files a deferred transaction records are synced before it is written to the WAL, not only before the
    /// next flush: the kernel writes WAL pages back whenever it likes, and a power cut must never keep a commit
    /// whose outputs it lost (recovery would take the missing temporary for a published one: an order lost).
    /// A file that cannot be synced (a path through a regular file: ENOTDIR) makes the transaction fail unwritten;
    /// the queued one behind it, which records no file, still commits, and so does the next one with a file.
    @Test func aDeferredTransactionIsWrittenOnlyAfterTheFilesItRecordsAreSynced() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appendingPathComponent("not-a-folder")
        try Data("file".utf8).write(to: blocker)
        let unsyncable = blocker.appendingPathComponent("output.tmp").path
        let recording = store.queueDeferred(syncing: [unsyncable]) { db in
            try db.execute(sql: "INSERT INTO t VALUES ('recorded')")
        }
        let plain = store.queueDeferred { db in try db.execute(sql: "INSERT INTO t VALUES ('plain')") }
        await #expect(throws: StateStoreError.self) { try await recording.finished() }
        try await plain.finished()
        #expect(try Self.names(store) == ["plain"], "a transaction was written before the file it records was synced")

        try FileManager.default.removeItem(at: blocker)
        let output = folder.appendingPathComponent("output.tmp")
        try Data("made".utf8).write(to: output)
        let again = store.queueDeferred(syncing: [output.path]) { db in try db.execute(sql: "INSERT INTO t VALUES ('again')") }
        try await again.finished()
        try await store.flush()
        #expect(try Self.names(try Self.reopen(folder)) == ["plain", "again"])
    }

    /// A file that cannot be synced fails only the transaction that records it. A socket exists but cannot be
    /// opened: the writer's one `syncfs` for every registered file opens it first and fails. The transaction
    /// queued behind, whose own file then syncs alone, still commits, and the flush after it succeeds.
    @Test func aFileThatCannotBeSyncedFailsOnlyTheTransactionThatRecordsIt() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let socketPath = folder.appendingPathComponent("s.sock").path
        let socket = try Self.bindSocket(at: socketPath)
        defer { close(socket) }
        let output = folder.appendingPathComponent("output.tmp")
        try Data("made".utf8).write(to: output)
        let bad = store.queueDeferred(syncing: [socketPath]) { db in try db.execute(sql: "INSERT INTO t VALUES ('bad')") }
        let good = store.queueDeferred(syncing: [output.path]) { db in try db.execute(sql: "INSERT INTO t VALUES ('good')") }
        await #expect(throws: StateStoreError.self) { try await bad.finished() }
        try await good.finished()
        try await store.flush()
        #expect(try Self.names(try Self.reopen(folder)) == ["good"])
    }

    /// A listening Unix socket at `path`: a file `stat` sees and `open` refuses (ENXIO).
    static func bindSocket(at path: String) throws -> Int32 {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(descriptor >= 0 && bound == 0, "cannot make a socket at \(path)")
        return descriptor
    }

    /// Automatic checkpoints are off, so the flushes a `ferry watch` makes (its only durable writes while it
    /// maps files) copy the WAL into the database file once it is past 4 MiB; without that the WAL would grow
    /// as long as the daemon runs. 6 MiB of deferred rows and one flush: the rows are in the database file.
    @Test func aFlushCheckpointsAWALPastItsLimit() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("ferry.sqlite").path
        func size(_ path: String) -> Int { var info = stat(); return stat(path, &info) == 0 ? Int(info.st_size) : 0 }
        let row = String(repeating: "x", count: 64 << 10)
        var last: QueuedWrite?
        for _ in 0..<96 { last = store.queueDeferred { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [row]) } }
        try await last?.finished()
        #expect(size(file) < 1 << 20, "nothing is checkpointed before a durable write")
        try await store.flush()
        #expect(size(file) > 6 << 20, "the flush copied the WAL into the database file")
    }

    /// The async read: it sees every commit queued before it began and does not wait for one queued after.
    /// `Task.immediate` runs the read up to its first suspension before the next line queues the second write,
    /// so the order is certain; that write stays blocked in its body until the read has returned, so a read that
    /// waited for it would never return (the time limit is a hang guard, not a speed check).
    @Test(.timeLimit(.minutes(1))) func anAsyncReadWaitsOnlyForTheWritesQueuedBeforeIt() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let releaseFirst = DispatchSemaphore(value: 0)
        let releaseSecond = DispatchSemaphore(value: 0)
        for index in 0..<10 {
            _ = store.queueDeferred { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["\(index)"]) }
        }
        let first = store.queueDeferred { db in
            releaseFirst.wait()
            try db.execute(sql: "INSERT INTO t VALUES ('first')")
        }
        let reading = Task.immediate {
            try await store.read { db in try String.fetchAll(db, sql: "SELECT name FROM t ORDER BY rowid") }
        }
        let second = store.queueDeferred { db in
            releaseSecond.wait()
            try db.execute(sql: "INSERT INTO t VALUES ('second')")
        }
        releaseFirst.signal()
        let seen = try await reading.value
        releaseSecond.signal()
        try await first.finished()
        try await second.finished()
        #expect(seen == (0..<10).map { "\($0)" } + ["first"])
        #expect(try await store.read { db in try String.fetchAll(db, sql: "SELECT name FROM t") }.last == "second")
    }

    /// The async write is durable when it returns: another store on the same file (as after a restart) reads
    /// its row.
    @Test func anAsyncWriteIsOnDiskWhenItReturns() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = store.queueDeferred { db in try db.execute(sql: "INSERT INTO t VALUES ('deferred')") }
        try await store.write { db in try db.execute(sql: "INSERT INTO t VALUES ('durable')") }
        let second = try Self.reopen(folder)
        #expect(try await second.read { db in try String.fetchAll(db, sql: "SELECT name FROM t ORDER BY rowid") } == ["deferred", "durable"])
        #expect(try await second.readLatest { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 2)
    }

    /// 64 async reads and writes at once finish while the blocking pool is saturated (64 jobs blocked on its 32
    /// threads or queued behind them): the store's async API suspends on GRDB's own queues and needs neither the
    /// pool nor a cooperative thread held while it waits. The time limit is a hang guard.
    @Test(.timeLimit(.minutes(1))) func asyncReadsAndWritesFinishWhileTheBlockingPoolIsSaturated() async throws {
        let (store, folder) = try Self.openStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let release = DispatchSemaphore(value: 0)
        // Queued synchronously (what `offload` does under its suspension), so the pool is saturated from here on
        // whatever other tests left running on it.
        for _ in 0..<64 { BlockingPool.shared.submit { release.wait() } }
        // Released whatever happens: the pool is the whole process's.
        defer { for _ in 0..<64 { release.signal() } }
        let rows = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<64 {
                group.addTask {
                    if index % 2 == 0 {
                        try await store.write { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["\(index)"]) }
                        return 1
                    }
                    _ = try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") }
                    return 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(rows == 32)
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 32)
    }
}

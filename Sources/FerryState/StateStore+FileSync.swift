import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension StateStore {
    /// Adds files a deferred transaction records, before it is queued (see ``syncBeforeWriting(_:)``).
    func register(_ files: [String]) {
        guard !files.isEmpty else { return }
        filesToSync.withLock { $0.append(contentsOf: files) }
    }

    /// Syncs the files a deferred transaction records (`own`), in the writer's turn before it is written: every
    /// registered file at once (those of the transactions queued behind it are complete, and syncing them early
    /// costs nothing more). If that fails, `own` alone, file by file, so that a file that cannot be synced (a
    /// failing disk or share) fails only the transaction that records it; the others keep theirs registered for
    /// their own turns. Either way `own` is no longer registered when this returns or throws: the files still
    /// registered always belong to transactions not yet written.
    func syncBeforeWriting(_ own: [String]) throws {
        do {
            try syncDeferredFiles()
        } catch {
            let mine = Set(own)
            filesToSync.withLock { files in files.removeAll { mine.contains($0) } }
            for file in own { try Self.sync(file, wholeFilesystem: false) }
        }
    }

    /// fsyncs every registered file: one file alone, or a `syncfs` per filesystem for several (one journal commit
    /// and one disk flush instead of one per file). On failure they stay registered.
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
                // A file is on its folder's filesystem: one `stat` per folder, not per file of a burst.
                var folders = Set<Substring>()
                for file in files {
                    let folder = file[..<(file.lastIndex(of: "/") ?? file.startIndex)]
                    if folders.contains(folder) { continue }
                    var info = stat()
                    // Gone: published (after an earlier sync) or removed with its run; nothing to sync.
                    guard stat(file, &info) == 0 else { continue }
                    folders.insert(folder)
                    if devices.insert(UInt64(info.st_dev)).inserted { try Self.sync(file, wholeFilesystem: true) }
                }
            }
        } catch {
            // Not synced: kept for the turns of the transactions that registered them.
            filesToSync.withLock { $0.insert(contentsOf: files, at: 0) }
            throw error
        }
    }

    /// fdatasyncs the WAL, which holds every transaction committed since the last checkpoint (commits run with
    /// `synchronous=NORMAL` and write it without syncing): what SQLite does at each commit under
    /// `synchronous=FULL`. Runs in the writer's turn, so no commit is half written while it syncs.
    func syncWAL() throws {
        let wal = path + "-wal"
        let fd = open(wal, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            // No WAL: SQLite removes it only after checkpointing all of it into the synced database file.
            if errno == ENOENT { return }
            throw SyncError(file: wal, code: errno)
        }
        defer { close(fd) }
        if fdatasync(fd) != 0 { throw SyncError(file: wal, code: errno) }
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
}

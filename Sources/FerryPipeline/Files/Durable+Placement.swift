import DurableFiles
import FileWatching
import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Placing files under free names: publishing a finished temporary, moving an input into an archive or failed
/// folder (across filesystems too), never replacing a file that is already there.
extension Durable {
    /// Renames the temporary `temp` to `preferredName` in `folder`, or to the first free variant of it; returns
    /// the name used, or nil when `temp` no longer exists (published before an interruption). Never replaces a
    /// file, even one another process creates at the same instant: the kernel checks and renames in one step
    /// (`renameat2` with `RENAME_NOREPLACE`). The caller fsyncs the folder.
    static func publish(_ temp: String, into folder: String, preferredName: String) throws -> String? {
        for name in candidateNames(preferredName, limit: nameLimit(of: folder)) {
            let target = folder + "/" + name
            guard let code = attempt({ renameWithoutReplacing(temp, target) }) else { return name }
            switch code {
            case .fileExists: continue
            // Asked only on ENOENT, which a missing folder gives too: not a `lstat` before every rename.
            case .noSuchFileOrDirectory where !FolderEntry.exists(path: temp): return nil
            case .invalidArgument, .noFunction:
                // A filesystem (or kernel) without RENAME_NOREPLACE: a rename onto a name checked free just
                // before, as on filesystems without hard links; ferry is the only writer of its output names.
                if FolderEntry.exists(path: target) { continue }
                if !FolderEntry.exists(path: temp) { return nil }
                try call("rename", temp) { Glibc.rename(temp, target) }
                return name
            default: throw Failure(call: "rename", path: temp, errno: code)
            }
        }
        fatalError("unreachable: candidate names are unbounded")
    }

    /// `renameat2(AT_FDCWD, source, AT_FDCWD, target, RENAME_NOREPLACE)`: 0, or -1 with errno set (ENOSYS when
    /// the C library lacks it). glibc declares it only under `_GNU_SOURCE`, so Swift's Glibc module lacks it.
    private static func renameWithoutReplacing(_ source: String, _ target: String) -> Int32 {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = renameat2Symbol else {
            errno = ENOSYS
            return -1
        }
        // RENAME_NOREPLACE from <linux/fs.h>, also a macro only.
        return unsafeBitCast(symbol, to: RenameAt2.self)(AT_FDCWD, source, AT_FDCWD, target, 1)
    }

    // nonisolated(unsafe): written once, by the static initializer, and only read afterwards.
    private nonisolated(unsafe) static let renameat2Symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2")

    /// Moves `source` into `folder` under `preferredName`, or the first free variant of it, never replacing a
    /// file; returns where it landed. Idempotent: if a previous, interrupted call already placed this very
    /// file (same inode, or same bytes after a cross-filesystem copy), it only finishes the job.
    ///
    /// Works across filesystems (a Samba share): copy to a temporary name in `folder`, fsync, link into place.
    static func place(_ source: URL, into folder: URL, preferredName: String) throws -> URL {
        try makeFolder(folder)
        var info = stat()
        try call("lstat", source.path) { lstat(source.path, &info) }
        var sourceOnSameDevice = true
        var folderInfo = stat()
        if stat(folder.path, &folderInfo) == 0, folderInfo.st_dev != info.st_dev { sourceOnSameDevice = false }

        var linkSource = source
        var copied: URL?
        if !sourceOnSameDevice || (info.st_mode & S_IFMT) != S_IFREG {
            // A symlink or special file is moved by rename (never opened or followed); a regular file across
            // filesystems is copied first.
            if (info.st_mode & S_IFMT) != S_IFREG {
                for name in candidateNames(preferredName, limit: nameLimit(of: folder.path)) {
                    let target = folder.appendingFile(name)
                    var existing = stat()
                    if lstat(target.path, &existing) == 0 { continue }
                    try rename(source, to: target)
                    return target
                }
            }
            let temp = folder.appendingPathComponent(".ferry-copy-\(fitting(preferredName, reserve: 16, limit: nameLimit(of: folder.path))).tmp")
            try copy(source, to: temp)
            copied = temp
            linkSource = temp
        }
        for name in candidateNames(preferredName, limit: nameLimit(of: folder.path)) {
            let target = folder.appendingFile(name)
            guard let code = attempt({ Glibc.link(linkSource.path, target.path) }) else {
                try sync(directory: folder)
                if let copied { unlink(copied.path); try sync(directory: folder) }
                try call("unlink", source.path) { unlink(source.path) }
                try sync(directory: source.deletingLastPathComponent())
                return target
            }
            if code == .notPermitted || code == .notSupported {
                // Filesystems without hard links (FAT, some FUSE and SMB mounts): a rename onto a name
                // checked free just before; ferry is the only writer of these folders.
                if FolderEntry.exists(target) { continue }
                try rename(linkSource, to: target)
                if copied != nil { try call("unlink", source.path) { unlink(source.path) } }
                return target
            }
            guard code == .fileExists else { throw Failure(call: "link", path: target.path, errno: code) }
            if try isSameFile(target.path, as: source.path, sourceInfo: info) {
                if let copied { unlink(copied.path) }
                try call("unlink", source.path) { unlink(source.path) }
                try sync(directory: source.deletingLastPathComponent())
                return target
            }
        }
        fatalError("unreachable: candidate names are unbounded")
    }

    /// One file for ``placeAll(_:syncingFolders:)``, by path: the engine's archive places every file of a burst,
    /// and building and decoding `URL`s was most of that step's instructions (#18).
    struct Placement {
        var sourcePath: String
        var folderPath: String
        var preferredName: String
        /// The source's `lstat`, when the caller just read it (``placeAll(_:syncingFolders:)`` reads it otherwise).
        var sourceInfo: stat? = nil

        init(sourcePath: String, folderPath: String, preferredName: String, sourceInfo: stat? = nil) {
            self.sourcePath = sourcePath
            self.folderPath = folderPath
            self.preferredName = preferredName
            self.sourceInfo = sourceInfo
        }

        init(source: URL, folder: URL, preferredName: String, sourceInfo: stat? = nil) {
            self.init(sourcePath: source.path, folderPath: folder.path, preferredName: preferredName, sourceInfo: sourceInfo)
        }

        var source: URL { URL(filePath: sourcePath, directoryHint: .notDirectory) }
        var folder: URL { URL(filePath: folderPath, directoryHint: .isDirectory) }
    }

    /// Places several files as ``place(_:into:preferredName:)`` does, one at a time in order, but fsyncs each
    /// folder once for the batch: every link first, then the destination folders, then the unlinks of the
    /// sources, then their folders. A source only disappears after its new name is durable, as with `place`.
    ///
    /// Files that need more than a same-filesystem hard link (another filesystem, no hard links, not a regular
    /// file) go through `place` with its own syncs. Idempotent like `place`: after an interruption, a repeat finds
    /// the links already made and only finishes.
    ///
    /// - Parameter syncingFolders: false leaves the folders unsynced (the links still come before the unlinks):
    ///   for a caller whose record of the move can redo it after a power cut (the engine's archive).
    /// - Returns: the name each file took in its folder, in order.
    static func placeAll(_ placements: [Placement], syncingFolders: Bool = true) throws -> [String] {
        var names: [String] = []
        var linked: [String] = []
        var devices: [String: dev_t] = [:]
        for placement in placements {
            let folder = placement.folderPath
            if devices[folder] == nil {
                try makeFolder(placement.folder)
                var folderInfo = stat()
                try call("stat", folder) { stat(folder, &folderInfo) }
                devices[folder] = folderInfo.st_dev
            }
            var info = placement.sourceInfo ?? stat()
            if placement.sourceInfo == nil { try call("lstat", placement.sourcePath) { lstat(placement.sourcePath, &info) } }
            guard (info.st_mode & S_IFMT) == S_IFREG, devices[folder] == info.st_dev,
                let name = try link(placement.sourcePath, sourceInfo: info, into: folder, preferredName: placement.preferredName)
            else {
                names.append(try place(placement.source, into: placement.folder, preferredName: placement.preferredName).lastPathComponent)
                continue
            }
            names.append(name)
            linked.append(placement.sourcePath)
        }
        guard !linked.isEmpty else { return names }
        // The folder sets are built only to sync them: not for the engine's archive (every file of a burst).
        if syncingFolders {
            for folder in Set(placements.map(\.folderPath)).sorted() { try sync(directory: URL(filePath: folder, directoryHint: .isDirectory)) }
        }
        for source in linked { try call("unlink", source) { unlink(source) } }
        if syncingFolders {
            let folders = Set(linked.map { URL(filePath: $0, directoryHint: .notDirectory).deletingLastPathComponent().path })
            for folder in folders.sorted() { try sync(directory: URL(filePath: folder, directoryHint: .isDirectory)) }
        }
        return names
    }

    /// Hard-links `source` into `folder` under the first free variant of `preferredName` (or finds the link a
    /// previous attempt made) and returns the name; nil when the filesystem has no hard links.
    private static func link(_ source: String, sourceInfo: stat, into folder: String, preferredName: String) throws -> String? {
        for name in candidateNames(preferredName, limit: nameLimit(of: folder)) {
            let target = folder + "/" + name
            guard let code = attempt({ Glibc.link(source, target) }) else { return name }
            if code == .notPermitted || code == .notSupported { return nil }
            guard code == .fileExists else { throw Failure(call: "link", path: target, errno: code) }
            if try isSameFile(target, as: source, sourceInfo: sourceInfo) { return name }
        }
        fatalError("unreachable: candidate names are unbounded")
    }

    /// True when `target` is `source` itself (hard link) or a byte-identical copy of it.
    private static func isSameFile(_ target: String, as source: String, sourceInfo: stat) throws -> Bool {
        var info = stat()
        guard lstat(target, &info) == 0 else { return false }
        if info.st_dev == sourceInfo.st_dev && info.st_ino == sourceInfo.st_ino { return true }
        // Same size on another device (an interrupted cross-filesystem placement): compare the bytes.
        guard info.st_size == sourceInfo.st_size, info.st_dev != sourceInfo.st_dev else { return false }
        return FileManager.default.contentsEqual(atPath: target, andPath: source)
    }

    /// Copies a regular file's bytes to `destination` and fsyncs it (swift-system retries EINTR and short writes).
    private static func copy(_ source: URL, to destination: URL) throws {
        let input = try system("open", source.path) {
            try FileDescriptor.open(FilePath(source.path), .readOnly, options: [.closeOnExec, .noFollow])
        }
        defer { try? input.close() }
        let output = try system("open", destination.path) {
            try FileDescriptor.open(
                FilePath(destination.path), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: filePermissions)
        }
        defer { try? output.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try system("read", source.path) { try buffer.withUnsafeMutableBytes { try input.read(into: $0) } }
            if count == 0 { break }
            _ = try system("write", destination.path) { try output.writeAll(buffer[..<count]) }
        }
        try call("fsync", destination.path) { fsync(output.rawValue) }
    }
}

extension URL {
    /// `self/name` for a file. `appendingPathComponent` stats the result to learn whether it is a folder: a
    /// system call each time on the engine's per-file path (7 of a burst file's 25 `stat`s).
    func appendingFile(_ name: String) -> URL { appending(path: name, directoryHint: .notDirectory) }

    /// `folderPath/name` for a file, from a folder path already decoded: for the URLs the engine builds per file.
    /// `appendingFile` decodes the folder's URL (`URL.path` does on every call) and validates the appended part:
    /// 3.0 us against 2.2 us here, per call.
    static func file(_ name: String, inFolder folderPath: String) -> URL {
        URL(filePath: folderPath + "/" + name, directoryHint: .notDirectory)
    }
}

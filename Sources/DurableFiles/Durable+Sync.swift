public import Foundation
import CDurable
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

extension Durable {
    /// fsyncs a file's contents.
    /// - Throws: ``Failure`` naming the file.
    public static func sync(file: URL) throws {
        let fd = try system("open", file.path) { try FileDescriptor.open(FilePath(file.path), .readOnly, options: .closeOnExec) }
        try fd.closeAfter { try call("fsync", file.path) { fsync(fd.rawValue) } }
    }

    /// Starts writing a finished file's dirty pages to the disk without waiting for them (Linux's
    /// `sync_file_range(SYNC_FILE_RANGE_WRITE)`): a later ``sync(file:)`` then waits only for what is left. A hint,
    /// never a durability step, so a failure is ignored (the fsync that follows reports the disk's errors).
    public static func startWriteback(file: URL) {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = ferry_start_writeback(fd)
        close(fd)
    }

    /// fsyncs a directory, making the names created, renamed or removed in it durable.
    /// - Throws: ``Failure`` naming the folder.
    public static func sync(directory: URL) throws {
        let fd = try system("open", directory.path) {
            try FileDescriptor.open(FilePath(directory.path), .readOnly, options: [.directory, .closeOnExec])
        }
        try fd.closeAfter { try call("fsync", directory.path) { fsync(fd.rawValue) } }
    }

    /// Creates `folder` and its parents (each new one made durable in its parent).
    /// - Throws: ``Failure`` naming the folder that could not be made.
    public static func makeFolder(_ folder: URL) throws {
        var missing: [URL] = []
        var current = folder.standardizedFileURL
        while !FileManager.default.fileExists(atPath: current.path) {
            missing.append(current)
            current = current.deletingLastPathComponent()
        }
        for url in missing.reversed() {
            // Another process (or thread) may make it at the same instant: fine, it exists.
            if let code = attempt({ mkdir(url.path, 0o755) }), code != .fileExists {
                throw Failure(call: "mkdir", path: url.path, errno: code)
            }
            try sync(directory: url.deletingLastPathComponent())
        }
    }

    /// Atomically renames `source` to `destination` (replacing it), then fsyncs both folders.
    /// - Throws: ``Failure`` naming the file.
    public static func rename(_ source: URL, to destination: URL) throws {
        try call("rename", source.path) { Glibc.rename(source.path, destination.path) }
        try sync(directory: destination.deletingLastPathComponent())
        if source.deletingLastPathComponent() != destination.deletingLastPathComponent() {
            try sync(directory: source.deletingLastPathComponent())
        }
    }
}

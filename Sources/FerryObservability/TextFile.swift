import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a small file the way node_exporter's textfile collector expects: complete or not at all.
enum TextFile {
    /// Writes `data` to a hidden temporary name in `url`'s folder, fsyncs it, renames it over `url` and fsyncs the
    /// folder, so a crash leaves the old file or the new one, never a torn one.
    /// - Throws: ``TextFileError`` naming the file, the call and errno's text.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A dot name: the collector reads only *.prom, and ferry's own watchers ignore hidden files. Unique per
        // write (the PID first, for ``removeStaleTemporaries(of:)``): after a reload two observers may write at once.
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp")
        let fd = try call("open", temp.path) { open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        do {
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = try call("write", temp.path) { Int32(truncatingIfNeeded: write(fd, raw.baseAddress! + offset, raw.count - offset)) }
                    offset += Int(written)
                }
            }
            _ = try call("fsync", temp.path) { fsync(fd) }
        } catch {
            close(fd)
            unlink(temp.path)
            throw error
        }
        _ = try call("close", temp.path) { close(fd) }
        _ = try call("rename", url.path) { rename(temp.path, url.path) }
        let dir = try call("open", folder.path) { open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(dir) }
        _ = try call("fsync", folder.path) { fsync(dir) }
    }

    /// Deletes the temporaries of `url` left by processes that died mid-write (`.<name>.<pid>[.<n>].tmp` whose PID is
    /// gone); a live process's, ours included, are left alone.
    /// - Returns: the names removed.
    @discardableResult
    static func removeStaleTemporaries(of url: URL) -> [String] {
        let folder = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent)."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            guard let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "." }), pid > 0 else { continue }
            // kill(pid, 0): ESRCH means no such process; EPERM means it lives under another user.
            guard kill(pid, 0) == -1, errno == ESRCH else { continue }
            if unlink(folder.appendingPathComponent(name).path) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Runs a syscall, retrying EINTR, turning -1 into an error.
    private static func call(_ name: String, _ path: String, _ body: () -> Int32) throws -> Int32 {
        while true {
            let result = body()
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw TextFileError(call: name, path: path, message: String(cString: strerror(errno)))
        }
    }
}

/// Writing the metrics file failed.
struct TextFileError: Error, CustomStringConvertible {
    var call: String
    var path: String
    var message: String

    var description: String {
        "\(call) \(path): \(message); check that the folder exists and ferry may write it (ReadWritePaths= under systemd)"
    }
}

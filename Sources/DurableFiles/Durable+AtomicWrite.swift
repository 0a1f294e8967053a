public import Foundation
public import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

extension Durable {
    /// Bytes a temporary's name adds to the final one: `.`, `.`, a PID of up to 7 digits, `.`, 16 hex digits, `.tmp`.
    static let temporaryReserve = 32

    /// 0644: what ferry's files are created with unless they hold a secret.
    public static let filePermissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]

    /// Writes `data` to `url` whole or not at all: a crash leaves the old file or the new one, never a torn one.
    ///
    /// Unique temporary beside `url`, write, fsync, rename over `url`, fsync of the folder (two fsyncs).
    /// - Parameters:
    ///   - permissions: the new file's mode (less the umask) from its creation on: a secret is never readable by
    ///     others, not even for an instant.
    /// - Throws: ``Failure`` naming the call and the file; the temporary is removed.
    public static func write(_ data: Data, to url: URL, permissions: FilePermissions = filePermissions)
        throws
    {
        try write(to: url, permissions: permissions) { fd, temp in
            _ = try system("write", temp.path) { try fd.writeAll(data) }
        }
    }

    /// Writes `url` whole or not at all through `body`, which fills the temporary (by its descriptor, or by its
    /// path with a writer of its own that it closes before returning); then fsync, rename and fsync of the folder.
    /// - Throws: what `body` throws, or ``Failure``; either way the temporary is removed and `url` is untouched.
    public static func write(
        to url: URL, permissions: FilePermissions = filePermissions,
        _ body: (FileDescriptor, URL) throws -> Void
    ) throws {
        let (fd, temp) = try makeTemporary(beside: url, permissions: permissions)
        do {
            try body(fd, temp)
            try call("fsync", temp.path) { fsync(fd.rawValue) }
        } catch {
            try? fd.close()
            unlink(temp.path)
            throw error
        }
        // close(2) frees the descriptor even when it fails (NFS may report a write error only here): never again.
        do { try system("close", temp.path) { try fd.close() } } catch {
            unlink(temp.path)
            throw error
        }
        if let code = attempt({ Glibc.rename(temp.path, url.path) }) {
            unlink(temp.path)
            throw Failure(call: "rename", path: url.path, errno: code)
        }
        try sync(directory: url.deletingLastPathComponent())
    }

    /// Creates an empty hidden temporary beside `url`, named `.<name>.<pid>.<random>.tmp` (exclusive create: two
    /// writers of one file, in one process or two, never share one), fitted to the folder's name limit.
    /// - Returns: its open descriptor (write-only) and its URL; the caller closes and removes or renames it.
    /// - Throws: ``Failure`` naming the temporary.
    public static func makeTemporary(beside url: URL, permissions: FilePermissions = filePermissions)
        throws -> (FileDescriptor, URL)
    {
        let folder = url.deletingLastPathComponent()
        let prefix = temporaryStem(of: url) + "\(getpid())."
        while true {
            let temp = folder.appending(
                path: "\(prefix)\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp", directoryHint: .notDirectory)
            do {
                let fd = try FileDescriptor.open(
                    FilePath(temp.path), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                    permissions: permissions)
                return (fd, temp)
            } catch Errno.fileExists {
                continue
            } catch let code as Errno {
                throw Failure(call: "open", path: temp.path, errno: code)
            }
        }
    }

    /// Deletes the temporaries of `url` left by processes that died mid-write (their PID is gone); a live
    /// process's, this one's included, are left alone.
    /// - Returns: the names removed.
    @discardableResult
    public static func removeStaleTemporaries(of url: URL) -> [String] {
        let folder = url.deletingLastPathComponent()
        let prefix = temporaryStem(of: url)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            guard let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "." }), pid > 0 else { continue }
            // kill(pid, 0): ESRCH means no such process; EPERM means it lives under another user.
            guard kill(pid, 0) == -1, errno == ESRCH else { continue }
            if unlink(folder.appending(path: name, directoryHint: .notDirectory).path) == 0 { removed.append(name) }
        }
        return removed
    }

    /// `.<name>.`, the name fitted so that the rest (PID first, for ``removeStaleTemporaries(of:)``) still fits.
    private static func temporaryStem(of url: URL) -> String {
        let limit = nameLimit(of: url.deletingLastPathComponent().path)
        return "." + fitting(url.lastPathComponent, reserve: temporaryReserve, limit: limit) + "."
    }
}

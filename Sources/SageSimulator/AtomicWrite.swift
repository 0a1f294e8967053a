import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Publishing files the way the Windows job does: whole files only (temp name, fsync, rename, fsync folder),
/// or, as a fault, in slow chunks under the final name.
enum Publish {
    /// Flushes `url` to disk (fsync(2)).
    static func fsync(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw SimulatorError("cannot open \(url.path) to flush it: errno \(errno)") }
        defer { close(fd) }
        guard Glibc.fsync(fd) == 0 else { throw SimulatorError("fsync of \(url.path) failed: errno \(errno)") }
    }

    /// Renames the finished `temp` to `final` durably.
    static func rename(_ temp: URL, to final: URL) throws {
        try fsync(temp)
        guard Glibc.rename(temp.path, final.path) == 0 else {
            throw SimulatorError("cannot rename \(temp.path) to \(final.path): errno \(errno)")
        }
        try fsync(final.deletingLastPathComponent())
    }

    /// Copies the finished `temp` into `final` chunk by chunk with pauses (the SMB fault), then removes `temp`.
    static func slowly(_ temp: URL, to final: URL, chunk: Int, delay: Duration) async throws {
        let data = try Data(contentsOf: temp)
        _ = FileManager.default.createFile(atPath: final.path, contents: nil)
        let handle = try FileHandle(forWritingTo: final)
        defer { try? handle.close() }
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + max(1, chunk))
            try handle.write(contentsOf: data[offset..<end])
            offset = end
            if offset < data.count { try await Task.sleep(for: delay) }
        }
        try handle.synchronize()
        try FileManager.default.removeItem(at: temp)
    }
}

/// A simulator failure: names the file or folder and what to do.
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    /// What happened.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}

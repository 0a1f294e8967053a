import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe file operations on swift-system: every change is on disk (file and directory entry) when the call
/// returns.
///
/// A rename is durable only after an fsync of the file and then of the directory (the ALICE study found dozens of
/// systems getting this wrong); these helpers do both. Every writer of ferry (the engine, the metrics file, the Sage
/// simulator, the Sage 200 token file) writes whole files through ``write(_:to:permissions:)``.
///
/// swift-system's `FileDescriptor` retries EINTR and partial writes for open, read and write; the calls it does not
/// wrap (fsync, rename, link, mkdir, unlink) go through ``call(_:_:_:)``, the one other place that retries EINTR.
public enum Durable {
    /// Runs a system call swift-system does not wrap, retrying it while it fails with EINTR.
    /// - Returns: nil when it succeeded, else its errno.
    public static func attempt(_ body: () -> Int32) -> Errno? {
        while true {
            if body() != -1 { return nil }
            let code = Errno(rawValue: errno)
            if code != .interrupted { return code }
        }
    }

    /// Runs a system call swift-system does not wrap, retrying it on EINTR, turning -1 into a ``Failure``.
    /// - Parameters:
    ///   - name: the C function's name, for the error.
    ///   - path: the file it acts on, for the error; evaluated only then (callers pass `url.path`, which
    ///     decodes the URL each time, on the engine's path for every file).
    /// - Returns: the call's result (a descriptor, a count or 0).
    /// - Throws: ``Failure`` naming the call, the path and errno.
    @discardableResult
    public static func call(_ name: String, _ path: @autoclosure () -> String, _ body: () -> Int32) throws -> Int32 {
        var result: Int32 = 0
        if let code = attempt({ result = body(); return result }) { throw Failure(call: name, path: path(), errno: code) }
        return result
    }

    /// Runs a swift-system operation (which retries EINTR itself), naming the call and the path in its error.
    /// - Throws: ``Failure`` for an `Errno`; any other error as it is.
    public static func system<T>(_ name: String, _ path: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let code as Errno {
            throw Failure(call: name, path: path(), errno: code)
        }
    }
}

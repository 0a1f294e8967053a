import DurableFiles
import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// One ferry per folder tree: an exclusive `flock` on `ferry.lock` in the state folder, held for the life of the
/// process that writes (`watch`, `run`, `download`, `retry`).
///
/// `flock`, not a classic POSIX (`fcntl F_SETLK`) lock: a POSIX lock belongs to the process and is dropped when
/// *any* descriptor of the file is closed (a library reading the lock file would silently release it), while a
/// `flock` belongs to the open file description, which only this object holds (`O_CLOEXEC`, so no child inherits
/// it). Both are released by the kernel when the process dies, SIGKILL included: no stale lock is ever left, so
/// the file itself is never deleted (deleting it would let two processes lock two different inodes). An OFD lock
/// (`F_OFD_SETLK`) would do as well; `flock` is simpler and Linux emulates it over NFS with a POSIX lock.
///
/// The holder writes its PID, start time and command into the file so a second process can say who holds it.
public final class InstanceLock: Sendable {
    /// Who holds the lock, as its holder wrote it into the lock file.
    public struct Holder: Sendable, CustomStringConvertible {
        /// The holder's PID, nil when it has not written it yet (it just started).
        public var pid: Int32?
        /// When it started (ISO 8601, UTC).
        public var started: String?
        /// The command it runs (`watch`, `run`, ...).
        public var command: String?

        public var description: String {
            let who = pid.map { "PID \($0)" } ?? "an unknown PID"
            let what = command.map { "`ferry \($0)`" }
            let when = started.map { "started \($0)" }
            let detail = [when, what].compactMap { $0 }.joined(separator: ", ")
            return "ferry is already running as \(who)" + (detail.isEmpty ? "" : " (\(detail))")
        }
    }

    /// The outcome of ``acquire(stateFolder:command:)``.
    public enum Outcome: Sendable {
        /// This process holds the lock until the object is released or the process ends.
        case acquired(InstanceLock)
        /// Another live process holds it.
        case busy(Holder)
    }

    /// The lock file.
    public let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// The lock file of a state folder.
    public static func lockPath(stateFolder: URL) -> String { stateFolder.appendingPathComponent("ferry.lock").path }

    /// Takes the lock without waiting, or says who holds it.
    ///
    /// - Parameters:
    ///   - stateFolder: the folder of the state store (created if missing).
    ///   - command: written into the lock file for the message a second process prints.
    /// - Throws: ``PipelineError`` when the lock file cannot be created or locked (permissions, a read-only folder).
    public static func acquire(stateFolder: URL, command: String) throws -> Outcome {
        let path = lockPath(stateFolder: stateFolder)
        do {
            try Durable.makeFolder(stateFolder)
            let fd = try Durable.call("open", path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644) }
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                if code == EINTR { continue }
                close(fd)
                if code == EWOULDBLOCK { return .busy(holder(path: path)) }
                throw Durable.Failure(call: "flock", path: path, errno: Errno(rawValue: code))
            }
            let lock = InstanceLock(path: path, fd: fd)
            let started = ISO8601DateFormatter().string(from: Date())
            let text = "\(getpid()) \(started) \(command)\n"
            _ = ftruncate(fd, 0)
            _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
            return .acquired(lock)
        } catch let failure as Durable.Failure {
            throw PipelineError(
                .operational,
                "cannot take the one-ferry lock: \(failure); the state folder \(stateFolder.path) must be writable by ferry's user")
        }
    }

    /// Reads what the holder wrote; a holder that has just locked may not have written yet.
    public static func holder(path: String) -> Holder {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return Holder() }
        let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 2).map(String.init)
        return Holder(
            pid: fields.first.flatMap { Int32($0) }, started: fields.count > 1 ? fields[1] : nil,
            command: fields.count > 2 ? fields[2] : nil)
    }
}

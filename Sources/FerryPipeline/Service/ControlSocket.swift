import DurableFiles
import Foundation
import SystemPackage
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a second `ferry run`, `download` or `retry` asks the running daemon to do, as one JSON line.
public struct ControlRequest: Codable, Sendable, Equatable {
    /// `run`, `download` or `retry`.
    public var command: String
    /// The stages asked for (`--stage`); empty for all.
    public var stages: [String] = []
    /// The files of a `retry`.
    public var files: [String] = []

    /// Creates a request.
    public init(command: String, stages: [String] = [], files: [String] = []) {
        self.command = command
        self.stages = stages
        self.files = files
    }
}

/// The daemon's answer: the lines the command prints and its exit status, as one JSON document.
public struct ControlResponse: Codable, Sendable, Equatable {
    /// What the command prints on standard output.
    public var lines: [String]
    /// Its exit status.
    public var exitCode: Int32

    /// Creates a response.
    public init(lines: [String], exitCode: Int32 = 0) {
        self.lines = lines
        self.exitCode = exitCode
    }
}

/// The daemon's control socket: a Unix stream socket `ferry.sock` in the state folder, mode 0600, through which a
/// second ferry asks the running one to do its work instead of doing it alongside (which lost orders: two
/// processes recovering and writing the same run).
///
/// One request per connection: the client writes a JSON line, the daemon answers with one JSON document and closes.
/// Only the holder of the ``InstanceLock`` creates the socket, so replacing a stale one left by a killed daemon is safe.
public final class ControlSocket: Sendable {
    /// The socket's path.
    public let path: String
    private let fd: Int32
    private let closed = Mutex(false)

    /// The socket of a state folder.
    public static func socketPath(stateFolder: URL) -> String { stateFolder.appendingPathComponent("ferry.sock").path }

    /// Binds and listens, then answers each request on a thread of its own with `handler`.
    ///
    /// The socket is bound under a temporary name, set to 0600 and renamed into place, so it is never reachable
    /// with wider permissions.
    /// - Throws: ``PipelineError`` when the socket cannot be created.
    public init(stateFolder: URL, handler: @escaping @Sendable (ControlRequest) async -> ControlResponse) throws {
        path = Self.socketPath(stateFolder: stateFolder)
        let temp = stateFolder.appendingPathComponent(".ferry.sock.\(getpid()).tmp").path
        do {
            fd = try Durable.call("socket", path) { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
            unlink(temp)
            try Self.withAddress(temp) { address, length in
                try Durable.call("bind", temp) { bind(fd, address, length) }
            }
            try Durable.call("chmod", temp) { chmod(temp, 0o600) }
            try Durable.call("rename", temp) { rename(temp, path) }
            try Durable.call("listen", path) { listen(fd, 16) }
        } catch let failure as Durable.Failure {
            unlink(temp)
            throw PipelineError(.operational, "cannot create the control socket: \(failure)")
        }
        let listener = fd
        // A thread of its own: accept blocks, and must never hold one of Swift's cooperative threads.
        Thread.detachNewThread { [weak self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    // Closed here, not in close(): the number could otherwise be reused while this thread still
                    // passes it to accept.
                    if self?.closed.withLock({ $0 }) ?? true { Glibc.close(listener); return }
                    usleep(100_000)  // EMFILE and the like: try again rather than give up the socket.
                    continue
                }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                Self.serve(client, handler: handler)
            }
        }
    }

    /// Stops listening and removes the socket.
    public func close() {
        let wasClosed = closed.withLock { flag in defer { flag = true }; return flag }
        guard !wasClosed else { return }
        unlink(path)
        // shutdown wakes the thread blocked in accept (EINVAL), which then sees `closed` and ends.
        shutdown(fd, Int32(SHUT_RDWR))
    }

    deinit { close() }

    /// Reads one request line (a client that sends nothing within 10 s is dropped), answers it from a task.
    private static func serve(_ client: Int32, handler: @escaping @Sendable (ControlRequest) async -> ControlResponse) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let line = readAll(client, untilNewline: true)
        Task {
            let response: ControlResponse
            if let request = try? JSONDecoder().decode(ControlRequest.self, from: line) {
                response = await handler(request)
            } else {
                response = ControlResponse(lines: ["error: the daemon could not read the request"], exitCode: 1)
            }
            let data = (try? JSONEncoder().encode(response)) ?? Data()
            data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Glibc.send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    if written < 0, errno == EINTR { continue }
                    if written <= 0 { break }
                    offset += written
                }
            }
            Glibc.close(client)
        }
    }

    /// Sends `request` to the daemon listening in `stateFolder` and waits for its answer (as long as the work takes).
    ///
    /// - Returns: nil when no daemon listens there (no socket, or a stale one): the lock holder is not a `watch`.
    /// - Throws: ``PipelineError`` when the daemon ended before answering.
    public static func send(_ request: ControlRequest, stateFolder: URL) throws -> ControlResponse? {
        let path = socketPath(stateFolder: stateFolder)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        let connected = (try? withAddress(path) { address, length in
            while connect(fd, address, length) != 0 {
                if errno == EINTR { continue }
                return false
            }
            return true
        }) ?? false
        guard connected else { return nil }
        var data = (try JSONEncoder().encode(request))
        data.append(UInt8(ascii: "\n"))
        let sent = data.withUnsafeBytes { raw in Glibc.send(fd, raw.baseAddress!, raw.count, Int32(MSG_NOSIGNAL)) }
        guard sent == data.count else { return nil }
        let answer = readAll(fd, untilNewline: false)
        guard let response = try? JSONDecoder().decode(ControlResponse.self, from: answer) else {
            throw PipelineError(.operational, "the running ferry ended before answering; see its log, then run the command again")
        }
        return response
    }

    /// Reads until end of file (or the first newline).
    private static func readAll(_ fd: Int32, untilNewline: Bool) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
            if untilNewline, buffer[0..<count].contains(UInt8(ascii: "\n")) { break }
        }
        return data
    }

    /// Calls `body` with a `sockaddr_un` for `path`. A path longer than `sun_path` (108 bytes) is reached through
    /// `/proc/self/fd/<folder>/<name>`, which is short whatever the state folder's depth.
    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        var folderFD: Int32 = -1
        defer { if folderFD >= 0 { Glibc.close(folderFD) } }
        var target = path
        if path.utf8.count >= capacity {
            let folder = (path as NSString).deletingLastPathComponent
            folderFD = try Durable.call("open", folder) { open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            target = "/proc/self/fd/\(folderFD)/" + (path as NSString).lastPathComponent
        }
        let bytes = Array(target.utf8)
        guard bytes.count < capacity else { throw Durable.Failure(call: "bind", path: path, errno: .fileNameTooLong) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}

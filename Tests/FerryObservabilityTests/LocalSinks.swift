import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP server on 127.0.0.1, port chosen by the kernel, serving each connection on its own thread.
///
/// Deliberately tiny and blocking: the tests need a real peer for libcurl, nothing more.
final class LocalServer: Sendable {
    let port: UInt16
    private let listener: Int32

    init(handler: @escaping @Sendable (Connection) -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SinkError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw SinkError("bind/listen: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        let thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return  // the listener was shut down
                }
                let connection = Connection(fd: client)
                Thread { handler(connection); connection.close() }.start()
            }
        }
        thread.start()
    }

    /// Stops accepting; the accept loop ends.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// A Mutex in a class, so escaping closures (the connection handlers) can share it.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

struct SinkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One accepted connection with a read buffer: lines (CRLF) and fixed-size reads.
final class Connection: @unchecked Sendable {
    // Unchecked: used by the one thread that serves this connection.
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }

    /// The next line without its CRLF, or nil at the end of the stream.
    func readLine() -> String? {
        while true {
            if let index = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<index])
                buffer.removeFirst(index + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill() else { return nil }
        }
    }

    /// Exactly `count` bytes, or what there is before the end of the stream.
    func read(count: Int) -> Data {
        while buffer.count < count, fill() {}
        let taken = Array(buffer.prefix(count))
        buffer.removeFirst(taken.count)
        return Data(taken)
    }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            offset += written
        }
    }

    func close() { Glibc.close(fd) }
}

/// An SMTP server that accepts every message (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT) and keeps it.
final class SMTPSink: Sendable {
    struct Mail: Sendable {
        var from: String
        var recipients: [String]
        var data: String
        /// The decoded AUTH PLAIN credentials, `user\0password`, when the client authenticated.
        var auth: String?
    }

    private let mails = Locked<[Mail]>([])
    private let server: LocalServer
    var port: UInt16 { server.port }
    var received: [Mail] { mails.withLock { $0 } }

    init() throws {
        let mails = self.mails
        server = try LocalServer { connection in
            connection.write("220 sink ESMTP\r\n")
            var mail = Mail(from: "", recipients: [], data: "")
            while let line = connection.readLine() {
                let upper = line.uppercased()
                if upper.hasPrefix("EHLO") || upper.hasPrefix("HELO") {
                    connection.write("250-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                } else if upper.hasPrefix("AUTH PLAIN") {
                    var encoded = String(line.dropFirst("AUTH PLAIN".count)).trimmingCharacters(in: .whitespaces)
                    if encoded.isEmpty {
                        connection.write("334 \r\n")
                        encoded = connection.readLine() ?? ""
                    }
                    let decoded = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
                    mail.auth = String(decoded.drop(while: { $0 != "\0" }).dropFirst())
                    connection.write("235 2.7.0 ok\r\n")
                } else if upper.hasPrefix("AUTH LOGIN") {
                    connection.write("334 VXNlcm5hbWU6\r\n")
                    let user = Data(base64Encoded: connection.readLine() ?? "").map { String(decoding: $0, as: UTF8.self) } ?? ""
                    connection.write("334 UGFzc3dvcmQ6\r\n")
                    let password = Data(base64Encoded: connection.readLine() ?? "").map { String(decoding: $0, as: UTF8.self) } ?? ""
                    mail.auth = user + "\0" + password
                    connection.write("235 2.7.0 ok\r\n")
                } else if upper.hasPrefix("MAIL FROM:") {
                    mail.from = String(line.dropFirst("MAIL FROM:".count))
                    connection.write("250 ok\r\n")
                } else if upper.hasPrefix("RCPT TO:") {
                    mail.recipients.append(String(line.dropFirst("RCPT TO:".count)))
                    connection.write("250 ok\r\n")
                } else if upper == "DATA" {
                    connection.write("354 go ahead\r\n")
                    var lines: [String] = []
                    while let dataLine = connection.readLine(), dataLine != "." {
                        lines.append(dataLine.hasPrefix("..") ? String(dataLine.dropFirst()) : dataLine)
                    }
                    mail.data = lines.joined(separator: "\n")
                    mails.withLock { $0.append(mail) }
                    mail = Mail(from: "", recipients: [], data: "", auth: mail.auth)
                    connection.write("250 queued\r\n")
                } else if upper == "QUIT" {
                    connection.write("221 bye\r\n")
                    return
                } else {
                    connection.write("250 ok\r\n")
                }
            }
        }
    }

    func stop() { server.stop() }
}

/// An HTTP/1.1 server that records each request and answers with the next scripted status (then 200).
final class HTTPSink: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: Data
    }

    private let requests = Locked<[Request]>([])
    private let script: Locked<[(Int, String)]>
    private let server: LocalServer
    var port: UInt16 { server.port }
    var received: [Request] { requests.withLock { $0 } }

    /// - Parameter statuses: the answers to the first requests, in order (status, JSON body); later ones get 200 `{}`.
    init(statuses: [(Int, String)] = []) throws {
        let requests = self.requests
        let script = Locked(statuses)
        self.script = script
        server = try LocalServer { connection in
            while let requestLine = connection.readLine(), !requestLine.isEmpty {
                let parts = requestLine.split(separator: " ")
                var headers: [String: String] = [:]
                while let line = connection.readLine(), !line.isEmpty {
                    if let colon = line.firstIndex(of: ":") {
                        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    }
                }
                let body = connection.read(count: Int(headers["content-length"] ?? "0") ?? 0)
                requests.withLock {
                    $0.append(Request(method: String(parts[0]), path: parts.count > 1 ? String(parts[1]) : "/", headers: headers, body: body))
                }
                let (status, answer) = script.withLock { $0.isEmpty ? (200, "{}") : $0.removeFirst() }
                connection.write(
                    "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)")
            }
        }
    }

    func stop() { server.stop() }
}

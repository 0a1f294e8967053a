public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-shot HTTP listener on 127.0.0.1 for `ferry sage200 authorize --listen`: the browser comes back from Sage ID
/// to the registered loopback redirect URL with `?code=...&state=...`, and the listener hands the code over. It only
/// ever binds the loopback address, answers a one-line page and closes.
public final class Sage200RedirectListener: Sendable {
    private let descriptor: Int32
    /// The bound port (the one asked for, or a free one for 0).
    public let port: Int

    /// Binds 127.0.0.1:`port` (0: any free port).
    /// - Throws: ``Sage200Error`` (configuration) when the port cannot be bound.
    public init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Self.failure("create a socket", port) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw Self.failure("listen on 127.0.0.1:\(port)", port)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }

    /// Waits for the redirect carrying `state` and returns its code; blocking (accept), so call it off the
    /// cooperative pool. Requests without a code (a favicon) get 404 and the wait goes on.
    /// - Throws: ``Sage200Error`` (reauthorize) when Sage ID reports an error or the state does not match.
    public func waitForCode(state: String) throws -> String {
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                throw Self.failure("accept on 127.0.0.1", port)
            }
            defer { close(client) }
            let target = Self.requestTarget(client)
            let query = Self.parameters(target)
            if let error = query["error"] {
                Self.reply(client, 400, "Sage ID refused: \(error). Run ferry sage200 authorize again.")
                throw Sage200Error(
                    code: .reauthorize, message: "Sage ID answered \(error) (\(query["error_description"] ?? "")): sign in with a Sage user that has API access and run `ferry sage200 authorize` again")
            }
            guard let code = query["code"] else {
                Self.reply(client, 404, "Not the Sage ID redirect.")
                continue
            }
            guard query["state"] == state else {
                Self.reply(client, 400, "The state does not match this ferry sage200 authorize run.")
                throw Sage200Error(
                    code: .reauthorize, message: "the redirect's state does not match this run (an old browser tab?): run `ferry sage200 authorize` again")
            }
            Self.reply(client, 200, "ferry has the Sage 200 authorization. You may close this tab.")
            return code
        }
    }

    /// The request line's target (`/callback?code=...`), read up to the end of the line.
    private static func requestTarget(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while bytes.count < 16_384, !bytes.contains(UInt8(ascii: "\n")) {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        let line = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        return parts.count >= 2 ? String(parts[1]) : ""
    }

    /// The query parameters of a request target or pasted address (`/callback?code=...`), the first of each name.
    public static func parameters(_ target: String) -> [String: String] {
        guard let components = URLComponents(string: "http://127.0.0.1" + target) else { return [:] }
        var result: [String: String] = [:]
        for item in components.queryItems ?? [] where result[item.name] == nil { result[item.name] = item.value ?? "" }
        return result
    }

    private static func reply(_ fd: Int32, _ status: Int, _ text: String) {
        let reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request"
        let body = text + "\n"
        let answer = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        _ = Array(answer.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    private static func failure(_ what: String, _ port: Int) -> Sage200Error {
        Sage200Error(
            code: .configuration,
            message: "cannot \(what) (errno \(errno)) for the redirect listener: choose a free port in connections.sage200.redirectUri (http://127.0.0.1:PORT/...)")
    }
}

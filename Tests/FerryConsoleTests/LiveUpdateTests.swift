@testable import FerryConsole
import Foundation
import Synchronization
import Testing

/// The overview's live updates: server-sent events over a real connection, and one read of the figures per
/// interval however many streams are open.
@Suite struct LiveUpdateTests {
    /// 200 streams open at once cost one reading of the figures, and every stream gets it.
    @Test func twoHundredStreamsShareOneReading() async throws {
        let reads = Mutex(0)
        let open = Mutex(false)
        // An interval far longer than the test: only the first reading can happen. It waits until all 200 streams
        // are open, so each of them is sent that one reading.
        let feed = OverviewFeed(interval: .seconds(3600)) {
            while !open.withLock({ $0 }) { await Task.yield() }
            reads.withLock { $0 += 1 }
            return "event: overview\ndata: {}\n\n"
        }
        let streams = (0..<200).map { _ in feed.subscribe() }
        open.withLock { $0 = true }
        #expect(feed.subscriberCount == 200)
        for stream in streams {
            var iterator = stream.makeAsyncIterator()
            #expect(await iterator.next() == "event: overview\ndata: {}\n\n")
        }
        #expect(reads.withLock { $0 } == 1)
        feed.close()
        #expect(feed.subscriberCount == 0)
        for stream in streams {
            var iterator = stream.makeAsyncIterator()
            #expect(await iterator.next() == nil, "a closed feed ends every stream")
        }
    }

    /// `/events` over a socket: the event stream's headers and a first `overview` event with the stage's figures.
    @Test func eventsArriveOverHTTP() async throws {
        let fixture = try await ConsoleFixture()
        try Data("waiting".utf8).write(to: fixture.root.appendingPathComponent("inbox/in/orders-1.xml"))
        let port = fixture.port
        let text = try await Task.detached { try Self.read(port: port, path: "/events", until: "\n\n", after: "event: overview") }.value
        #expect(text.contains("content-type: text/event-stream") || text.contains("Content-Type: text/event-stream"))
        #expect(text.contains("frame-ancestors 'none'"))
        #expect(text.contains("\"name\":\"probe\""))
        #expect(text.contains("\"pending\":1"))
        await fixture.close()
    }

    /// Sends a GET on a plain socket and reads until `marker` has arrived and `end` follows it (blocking: run it
    /// off the cooperative pool).
    static func read(port: Int, path: String, until end: String, after marker: String) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EIO) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received.append(contentsOf: buffer[0..<count])
            let text = String(decoding: received, as: UTF8.self)
            if let start = text.range(of: marker), text[start.upperBound...].contains(end) { return text }
        }
        return String(decoding: received, as: UTF8.self)
    }
}

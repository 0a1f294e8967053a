import FerryTestSupport
import Foundation
import Testing

/// `ferry watch` as systemd runs it: notify socket, SIGHUP reload, SIGTERM.
@Suite(.serialized) struct ServiceTests {
    /// A datagram socket standing in for systemd's notify socket.
    final class NotifySocket {
        let path: String
        let fd: Int32

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-notify-\(UUID().uuidString.prefix(8))").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: Array(path.utf8)) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            unlink(path)
        }

        /// The next message, or nil after the 30 s hang guard.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
        }
    }

    static func startWatch(_ h: Harness, environment extra: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = ferryExecutable
        process.arguments = ["watch", "--config", h.root.appendingPathComponent("config.json").path]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func notifiesSystemdAndStopsCleanlyOnSIGTERM() async throws {
        let h = try Harness()
        _ = try h.writeConfig()
        let notify = try NotifySocket()
        let process = try Self.startWatch(h, environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"])
        var messages: [String] = []
        while let message = notify.receive() {
            messages.append(message)
            if message.contains("READY=1") { break }
        }
        #expect(messages.contains { $0.contains("READY=1") })
        // The watchdog keeps being fed at half of WATCHDOG_USEC.
        #expect(notify.receive()?.contains("WATCHDOG=1") == true)
        try h.deliver("a.xml", Harness.order(1))
        try await waitUntil("output while running") { h.files(in: h.outbox).count == 1 }
        process.terminate()
        var stopping = false
        while let message = notify.receive() {
            if message.contains("STOPPING=1") { stopping = true; break }
        }
        process.waitUntilExit()
        #expect(stopping)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    @Test func sighupReloadsAValidConfigAndKeepsTheOldOneOtherwise() async throws {
        let h = try Harness()
        let config = try h.writeConfig()
        let notify = try NotifySocket()
        let process = try Self.startWatch(h, environment: ["NOTIFY_SOCKET": notify.path])
        defer { if process.isRunning { process.terminate() } }
        while let message = notify.receive(), !message.contains("READY=1") {}

        // An invalid config is refused: the daemon keeps running the old one.
        try Data(#"{ "stages": [ { "name": "map", "bogus": 1 } ] }"#.utf8).write(to: config)
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(process.isRunning)
        try h.deliver("old.xml", Harness.order(1))
        try await waitUntil("output with the old config") { h.files(in: h.outbox).count == 1 }

        // A valid one with a second stage takes over.
        let second = h.root.appendingPathComponent("inbox/second")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        _ = try h.writeConfig(stage: """
            { "name": "map", "watch": "inbox/in", "task": "xslt", "settings": { "stylesheet": "mappings/identity.xsl" }, "outputs": { "out": "outbox/out" } },
            { "name": "second", "watch": "inbox/second", "task": "xslt", "settings": { "stylesheet": "mappings/identity.xsl", "outputName": "second-{name}" }, "outputs": { "out": "outbox/out" } }
            """)
        kill(process.processIdentifier, SIGHUP)
        var reloaded = false
        while let message = notify.receive() {
            if message.contains("READY=1") { reloaded = true; break }
        }
        #expect(reloaded)
        try h.deliver("new.xml", Harness.order(2), into: second)
        try await waitUntil("output of the new stage") { h.files(in: h.outbox).contains("second-new.xml") }
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}

import FerryDemo
import FerryTestSupport
import Foundation
import Logging
import MagentoConnector
import MagentoSandbox
import Testing

/// While Magento is down (maintenance mode), ferry waits with backoff: no busy loop, the status says degraded,
/// and work resumes by itself when the store is back.
@Suite struct StoreDownTests {
    /// CPU seconds (user + system) a process has used, from /proc.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func ferry(_ arguments: [String], root: URL) throws -> Process {
        let process = Process()
        process.executableURL = ferryExecutable
        process.arguments = arguments + ["--config", root.appendingPathComponent("config.json").path]
        var environment = ProcessInfo.processInfo.environment
        environment["MAGENTO_TOKEN"] = "sandbox-token"
        process.environment = environment
        process.standardOutput = Pipe()
        process.standardError = FileHandle.nullDevice
        return process
    }

    @Test func aStoreInMaintenanceIsWaitedOutWithoutABusyLoop() async throws {
        let sandbox = MagentoSandboxServer(seed: 3, orders: 4, catalogue: DemoCatalogueBridge.sandboxCatalogue(), logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try await sandbox.start(host: "127.0.0.1", port: 0)
        defer { Task { await sandbox.stop() } }
        sandbox.updateOptions { $0.maintenance = true }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-store-down-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["inbox/updates", "outbox/updated"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data("""
            { "connections": { "magento": { "baseUrl": "http://127.0.0.1:\(port)", "maxAttempts": 2 } },
              "retry": { "initialSeconds": 1, "maxSeconds": 4 },
              "stages": [ { "name": "update-orders", "watch": "inbox/updates", "task": "magento.update-orders",
                            "settings": { "notifyCustomer": false }, "outputs": { "success": "outbox/updated" } } ] }
            """.utf8).write(to: root.appendingPathComponent("config.json"))
        try Data("<ArrayOfOrderInfo><OrderInfo><increment_id>100000001</increment_id></OrderInfo></ArrayOfOrderInfo>".utf8)
            .write(to: root.appendingPathComponent("inbox/updates/u.xml"))

        let watch = try Self.ferry(["watch"], root: root)
        let log = root.appendingPathComponent("watch.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        watch.standardError = try FileHandle(forWritingTo: log)
        try watch.run()
        defer { if watch.isRunning { watch.terminate() } }
        // Start-up done and the file already retried twice: from here on the window is pure waiting.
        let ready = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < ready,
              ((try? String(contentsOf: log, encoding: .utf8)) ?? "").components(separatedBy: "will retry").count < 3 {
            try await Task.sleep(for: .milliseconds(100))
        }
        let before = try #require(Self.cpuSeconds(watch.processIdentifier))
        let requestsBefore = await sandbox.store.requestLog().count
        let started = ContinuousClock.now
        try await Task.sleep(for: .seconds(6))
        let after = try #require(Self.cpuSeconds(watch.processIdentifier))
        let requests = await sandbox.store.requestLog().count - requestsBefore
        // The wall time really elapsed: on a loaded machine the sleep may last longer than asked.
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let percent = (after - before) / seconds * 100
        print("ferry watch while the store is down: \(String(format: "%.1f", percent)) % of one core, \(requests) requests in \(String(format: "%.1f", seconds)) s")
        // No busy loop: with backoff (retry cap 4 s, 2 attempts a call) a handful of requests, not hundreds.
        #expect(requests <= Int(seconds) * 2 + 4)
        // And no loop that makes no requests: a wait-timer bug once spun a core here (about 150 %) between
        // retries. The child's own CPU time, so neighbours cannot inflate it; idle is well under 1 %.
        #expect(percent < 50, "ferry watch spun while waiting for the store: \(percent) % of one core")

        let status = try Self.ferry(["status", "--json"], root: root)
        try status.run()
        let data = (status.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        status.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""health" : "degraded""#), "\(text)")
        #expect(text.contains("maintenance"))
        #expect(!text.contains("sandbox-token"))

        sandbox.updateOptions { $0.maintenance = false }
        let deadline = ContinuousClock.now + .seconds(60)
        while (await sandbox.store.comments(1)).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        #expect((await sandbox.store.comments(1)).count == 1)
        watch.terminate()
        watch.waitUntilExit()
        #expect(watch.terminationStatus == 0)
    }
}

import FerryTestSupport
import Foundation
import Testing

/// Issue 13.1: one ferry per folder tree. A second writer either exits 75 naming the first, or (`run`, `retry`)
/// has the running daemon do the work through its control socket.
@Suite("one ferry per folder tree", .serialized)
struct OneFerryTests {
    /// A second `watch` exits 75 with the holder's PID; `status` still reads; a SIGKILLed holder leaves no lock.
    @Test func secondWriterExits75AndTheLockDiesWithItsHolder() async throws {
        let root = try FerryRoot()
        try root.writeConfig()
        let first = try root.start(["watch"])
        try await first.waitUntilWatching()

        let second = try await root.run(["watch"])
        #expect(second.status == 75)
        #expect(second.log.contains("ferry is already running as PID \(first.pid) (started "), "\(second.log)")
        let status = try await root.run(["status"])
        #expect(status.status == 0, "status is read-only and never takes the lock: \(status.log)")

        let socket = root.url.appendingPathComponent("state/ferry.sock").path
        var info = stat()
        #expect(lstat(socket, &info) == 0 && info.st_mode & 0o777 == 0o600, "the control socket is private to ferry's user")

        first.kill(SIGKILL)
        try await first.wait()
        // The kernel released the lock with the process: a new daemon starts (and replaces the stale socket).
        let third = try root.start(["watch"])
        try await third.waitUntilWatching()
        #expect(third.isRunning, "\(third.log)")
        #expect(try await third.stop() == 0)
    }

    /// The reproduction: `ferry watch` busy on a large order file, `ferry run` one second later. The run
    /// is done by the daemon and waits for it: every order once in the output, nothing lost, nothing left.
    @Test func runDuringABusyWatchIsDoneByTheDaemon() async throws {
        let root = try FerryRoot()
        try root.writeConfig()
        let orders = 20_000
        let padding = String(repeating: "<line><sku>SKU-PADDING</sku><qty>1</qty></line>", count: 20)
        var big = "<ArrayOfOrderInfo>"
        for i in 0..<orders { big += "<OrderInfo><order_id>\(i)</order_id>\(padding)</OrderInfo>" }
        big += "</ArrayOfOrderInfo>\n"
        var inputs: Set<String> = ["big.xml"]
        try root.deliver("big.xml", big)
        for i in 0..<200 {
            let name = String(format: "order-%04d.xml", i)
            try root.deliver(name, FerryRoot.order(i))
            inputs.insert(name)
        }
        let daemon = try root.start(["watch"])
        try await daemon.waitUntilWatching()
        try await Task.sleep(for: .seconds(1))

        let run = try await root.run(["run"])
        #expect(run.status == 0, "\(run.log)")
        #expect(run.output.contains("processed "), "\(run.output)")
        #expect(run.log.contains("ferry is already running as PID \(daemon.pid)"), "\(run.log)")
        // Without the lock the run recovered the daemon's claimed run and both wrote its temporary ("reserved the
        // output big.xml but did not write it", then a retry).
        #expect(!run.log.contains("will retry"), "the run did no work of its own: \(run.log)")
        // The run returned only when the daemon had drained the folder.
        #expect(root.placedCount == inputs.count, "every input placed when `ferry run` returns")
        #expect(try await daemon.stop() == 0)
        root.checkInvariants(inputs: inputs)
        let output = try String(contentsOf: root.outbox.appendingPathComponent("big.xml"), encoding: .utf8)
        #expect(output.components(separatedBy: "<order_id>").count - 1 == orders, "each order exactly once in the output")
    }

    /// `ferry retry` while the daemon runs: the daemon puts the file back and processes it.
    @Test func retryWhileWatchingIsDoneByTheDaemon() async throws {
        let root = try FerryRoot()
        try root.writeConfig()
        let daemon = try root.start(["watch"])
        try await daemon.waitUntilWatching()
        try root.deliver("broken.xml", "<ArrayOfOrderInfo><OrderInfo>")
        try await waitUntil("quarantined") { root.quarantined() == ["broken.xml"] }
        let failed = root.failed.appendingPathComponent("map/broken.xml")
        try Data(FerryRoot.order(1).utf8).write(to: failed)

        let retry = try await root.run(["retry", failed.path])
        #expect(retry.status == 0, "\(retry.log)")
        #expect(retry.output.contains(" -> "), "\(retry.output)")
        try await waitUntil("processed after the retry") { root.archived() == ["broken.xml"] }
        #expect(try await daemon.stop() == 0)
        root.checkInvariants(inputs: ["broken.xml"])
    }
}

import FerryDemo
import FerryTestSupport
import Foundation
import Logging
import MagentoConnector
import MagentoSandbox
import Testing

/// A `ferry` process killed between posting a Magento comment and recording it leaves exactly one comment.
@Suite struct CommentCrashTests {
    /// Runs `ferry run` on `root`, returning its termination status and reason.
    static func runFerry(root: URL, environment extra: [String: String]) async throws -> (Int32, Process.TerminationReason) {
        let process = Process()
        process.executableURL = ferryExecutable
        process.arguments = ["run", "--config", root.appendingPathComponent("config.json").path]
        var environment = ProcessInfo.processInfo.environment
        environment["MAGENTO_TOKEN"] = "sandbox-token"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // Wait on the termination handler: a blocking wait would hold one of the few cooperative threads.
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: ($0.terminationStatus, $0.terminationReason)) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    @Test func killedAfterPostingLeavesExactlyOneCommentPerOrder() async throws {
        let sandbox = MagentoSandboxServer(seed: 7, orders: 6, catalogue: DemoCatalogueBridge.sandboxCatalogue(), logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try await sandbox.start(host: "127.0.0.1", port: 0)
        defer { Task { await sandbox.stop() } }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-comment-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["inbox/updates", "outbox/updated", "outbox/update-failed"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data("""
            { "connections": { "magento": { "baseUrl": "http://127.0.0.1:\(port)", "tokenEnv": "MAGENTO_TOKEN", "maxAttempts": 2 } },
              "stages": [ { "name": "update-orders", "watch": "inbox/updates", "task": "magento.update-orders",
                            "settings": { "notifyCustomer": false },
                            "outputs": { "success": "outbox/updated", "fail": "outbox/update-failed" } } ] }
            """.utf8).write(to: root.appendingPathComponent("config.json"))
        let increments = (1...6).map { String(format: "1%08d", $0) }
        let records = increments.map { "<OrderInfo><increment_id>\($0)</increment_id><comment>Imported into Sage as sales order 9000\($0.suffix(1))</comment></OrderInfo>" }
        try Data("<ArrayOfOrderInfo>\(records.joined())</ArrayOfOrderInfo>".utf8).write(to: root.appendingPathComponent("inbox/updates/updates.xml"))

        // Dies by SIGKILL right after the third comment reached Magento, before the ledger says so.
        let (_, reason) = try await Self.runFerry(root: root, environment: ["FERRY_CRASH_AT": "after-comment-post", "FERRY_CRASH_AFTER": "2"])
        #expect(reason == .uncaughtSignal, "the crash point was not reached")
        var commented = 0
        for id in 1...6 where !(await sandbox.store.comments(id)).isEmpty { commented += 1 }
        #expect(commented == 3)

        let (status, _) = try await Self.runFerry(root: root, environment: [:])
        #expect(status == 0)
        for id in 1...6 {
            let comments = await sandbox.store.comments(id)
            #expect(comments.count == 1, "order \(id) has \(comments.count) comments")
        }
        let archived = FileManager.default.enumerator(atPath: root.appendingPathComponent("archive").path)?.allObjects.compactMap { $0 as? String }.filter { $0.hasSuffix("updates.xml") } ?? []
        #expect(archived.count == 1)
    }
}

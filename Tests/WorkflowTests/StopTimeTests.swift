import FerryTestSupport
import Foundation
import Logging
import MagentoConnector
import MagentoSandbox
import Testing

/// SIGTERM with a large inventory file in hand: `ferry watch` stops at a safe point instead of sending the
/// whole file first (78-140 s against a slow store, past systemd's TimeoutStopSec=60), leaves the file claimed,
/// and the restart sends exactly the rest.
@Suite struct StopTimeTests {
    @Test func sigtermMidUploadStopsAtASafePointAndTheRestartSendsTheRest() async throws {
        let count = 2000
        let quiet = Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() })
        // A slow store: 20 ms a call, 2 calls in flight, so the file takes about 20 s to send whole.
        var options = MagentoSandboxOptions()
        options.faults.latencyMilliseconds = 20
        let sandbox = MagentoSandboxServer(seed: 3, orders: 1, options: options, logger: quiet)
        let port = try await sandbox.start(host: "127.0.0.1", port: 0)
        defer { Task { await sandbox.stop() } }
        let skus = await sandbox.store.addSimpleProducts(count: count, prefix: "STOP-")

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["inbox/inventory", "outbox/inventory-failed"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data("""
            { "connections": { "magento": { "baseUrl": "http://127.0.0.1:\(port)", "tokenEnv": "MAGENTO_TOKEN" } },
              "stages": [ { "name": "upload-inventory", "watch": "inbox/inventory", "task": "magento.upload-inventory",
                            "settings": { "mode": "legacy", "concurrency": 2 },
                            "outputs": { "fail": "outbox/inventory-failed" } } ] }
            """.utf8).write(to: root.appendingPathComponent("config.json"))
        // Every level differs from the sandbox's 10, so each SKU needs exactly one PUT.
        let rows = skus.enumerated().map { "<Inventory><sku>\($1)</sku><qty>\($0 % 50 + 11)</qty></Inventory>" }
        let staging = root.appendingPathComponent("stock.xml")
        try Data("<ArrayOfInventory>\(rows.joined())</ArrayOfInventory>".utf8).write(to: staging)
        try FileManager.default.moveItem(at: staging, to: root.appendingPathComponent("inbox/inventory/stock.xml"))

        let watch = Process()
        watch.executableURL = ferryExecutable
        watch.arguments = ["watch", "--config", root.appendingPathComponent("config.json").path]
        var environment = ProcessInfo.processInfo.environment
        environment["MAGENTO_TOKEN"] = "sandbox-token"
        watch.environment = environment
        watch.standardOutput = FileHandle.nullDevice
        watch.standardError = FileHandle.nullDevice
        let exited = AsyncStream<(Int32, Process.TerminationReason)>.makeStream()
        watch.terminationHandler = {
            exited.continuation.yield(($0.terminationStatus, $0.terminationReason))
            exited.continuation.finish()
        }
        try watch.run()

        // Waits (on the sandbox's own record, not a clock) until the upload is well under way.
        var puts = 0
        for _ in 0..<6000 where puts < 100 {
            try await Task.sleep(for: .milliseconds(10))
            puts = await sandbox.store.requestLog().filter { $0.method == "PUT" }.count
        }
        try #require(puts >= 100, "the upload never started")
        kill(watch.processIdentifier, SIGTERM)
        var outcome: (Int32, Process.TerminationReason)?
        for await result in exited.stream { outcome = result }
        #expect(outcome?.0 == 0 && outcome?.1 == .exit, "ferry watch did not exit cleanly: \(String(describing: outcome))")

        // It stopped mid-file: SKUs were left unsent, and the file is still claimed (neither archived nor failed).
        let sentBeforeStop = await sandbox.store.requestLog().filter { $0.method == "PUT" }.count
        #expect(sentBeforeStop < count, "the whole file was sent before stopping")
        // A claimed file waits in the inbox's work area under its run id.
        let work = root.appendingPathComponent("inbox/inventory/.ferry-work")
        let claimed = (try? FileManager.default.contentsOfDirectory(atPath: work.path)) ?? []
        #expect(claimed.count == 1, "the file must stay claimed across the stop: \(claimed)")
        let archived = (FileManager.default.enumerator(atPath: root.appendingPathComponent("archive").path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix("stock.xml") }
        #expect(archived.isEmpty, "archived before it was sent whole")
        let failed = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("outbox/inventory-failed").path)) ?? []
        #expect(failed.isEmpty, "a stop is no failure: \(failed)")

        // The restart sends exactly the rest: every SKU at its level, one PUT per SKU in all.
        let (status, _) = try await CommentCrashTests.runFerry(root: root, environment: [:])
        #expect(status == 0)
        var wrong: [String] = []
        for (index, sku) in skus.enumerated() where await sandbox.store.stockLevel(sku)?.qty != Decimal(index % 50 + 11) {
            wrong.append(sku)
        }
        #expect(wrong.isEmpty, "\(wrong.count) SKUs lost, e.g. \(wrong.prefix(5))")
        let putsPerSKU = Dictionary(grouping: await sandbox.store.requestLog().filter { $0.method == "PUT" }, by: \.path)
        #expect(putsPerSKU.count == count)
        #expect(putsPerSKU.values.allSatisfy { $0.count == 1 }, "a SKU was sent twice")
        let archivedAfter = (FileManager.default.enumerator(atPath: root.appendingPathComponent("archive").path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix("stock.xml") }
        #expect(archivedAfter.count == 1, "the file is archived once it is sent whole")
        print("stop: \(sentBeforeStop) of \(count) SKUs sent before SIGTERM took effect; the restart sent the rest")
    }
}

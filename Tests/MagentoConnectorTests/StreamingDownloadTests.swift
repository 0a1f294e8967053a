import FerryPipeline
import FerryStages
import FerryState
import Foundation
import Logging
import MagentoConnector
import MagentoSandbox
import Testing

/// The download task writes its files as the pages arrive (memory holds one file's orders, not the store): the files
/// are byte for byte the ones the whole batch made before, in files of `maxOrdersPerFile`, and the commit records
/// every order once.
@Suite struct StreamingDownloadTests {
    static let tokenVariable = "FERRY_TEST_STREAMING_DOWNLOAD_TOKEN"

    @Test func streamedFilesEqualTheWholeBatchsFilesAndEachOrderIsRecordedOnce() async throws {
        setenv(Self.tokenVariable, testToken, 1)
        try await withSandbox(orders: 1_234) { _, client, store in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-stream-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            let outbox = root.appendingPathComponent("inbox")
            try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
            let settings = """
                {"baseUrl": "\(client.configuration.baseURL)", "auth": "bearer", "tokenEnv": "\(Self.tokenVariable)",
                 "stages": [], "sinceLastRun": true, "pageSize": 100, "maxOrdersPerFile": 500}
                """
            let first = try await Self.runDownload(settings: settings, root: root, outbox: outbox, store: store)
            #expect(first["orders.downloaded"] == 1_234)

            // What the whole batch wrote before: every order in memory, by entity_id, in files of 500 named
            // after the versions inside.
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let whole = try await OrderDownloader(
                client: client, store: try Self.freshStore(root), scope: "whole",
                settings: DownloadSettings(stages: [], sinceLastRun: false), logger: logger
            ).fetch().orders
            #expect(whole.count == 1_234)
            var expected: [String: Data] = [:]
            for start in stride(from: 0, to: whole.count, by: 500) {
                let chunk = Array(whole[start..<min(start + 500, whole.count)])
                let stamp = (chunk.compactMap(\.updatedAt).max() ?? "").filter(\.isNumber)
                let name = "magento-orders-\(stamp)-\(chunk.first?.entityID ?? 0)-\(chunk.last?.entityID ?? 0).xml"
                let url = root.appendingPathComponent(name)
                try OrderXMLWriter.write(chunk, to: url)
                expected[name] = try Data(contentsOf: url)
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: outbox.path).sorted()
            #expect(names == expected.keys.sorted())
            for name in names {
                #expect(try Data(contentsOf: outbox.appendingPathComponent(name)) == expected[name], "\(name) differs")
            }

            // Recorded once: the next run finds every version emitted and writes nothing.
            let second = try await Self.runDownload(settings: settings, root: root, outbox: outbox, store: store)
            #expect(second["orders.downloaded"] == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.path).count == names.count)
        }
    }

    static func freshStore(_ root: URL) throws -> StateStore {
        try StateStore(path: root.appendingPathComponent("whole-\(UUID().uuidString).sqlite").path, migrations: MagentoState.migrations)
    }

    /// Runs the download task as the engine would: outputs renamed into place, commit hooks in one transaction.
    static func runDownload(settings: String, root: URL, outbox: URL, store: StateStore) async throws -> [String: Int] {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let kind = try #require(MagentoTasks.all.first { $0.name == "magento.download-orders" })
        let environment = TaskEnvironment(store: store, logger: logger, root: root, stageName: "download-orders")
        let task = try kind.makeScheduledTask(TaskSettings(json: Data(settings.utf8), path: "stages[0].settings"), environment)
        let context = TaskContext(
            environment: environment, logger: logger, outputFolders: ["out": outbox], runID: UUID().uuidString)
        try await task.run(context)
        for output in context.pendingOutputs {
            try FileManager.default.moveItem(at: output.url, to: output.folder.appendingPathComponent(output.name))
        }
        let hooks = context.commitHooks
        try await store.write { db in for hook in hooks { try hook(db) } }
        return context.counters
    }
}

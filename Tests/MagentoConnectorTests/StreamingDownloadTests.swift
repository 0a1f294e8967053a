import FerryPipeline
import FerryStages
import FerryState
import Foundation
import Logging
import MagentoConnector
import MagentoSandbox
import Testing

/// The download task writes its files as the pages arrive (memory holds a file or two of orders, not the store): the files
/// are byte for byte the ones the whole batch made before, in files of `maxOrdersPerFile`, and the commit records
/// every order once.
@Suite struct StreamingDownloadTests {
    static let tokenVariable = "FERRY_TEST_STREAMING_DOWNLOAD_TOKEN"

    @Test func streamedFilesEqualTheWholeBatchsFilesAndEachOrderIsRecordedOnce() async throws {
        setenv(Self.tokenVariable, testToken, 1)
        try await withSandbox(orders: 1_234) { _, client, store in
            let (root, outbox) = try Self.folders()
            defer { try? FileManager.default.removeItem(at: root) }
            let settings = Self.settings(client, pageSize: 100, perFile: 500)
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

    /// A file is written while the next pages are fetched (#18); a run that fails on a later page still returns
    /// only once that write is done, so the engine never cleans up under a write, and the next run emits every
    /// order once.
    @Test func aRunThatFailsMidwayLeavesNoWriteInFlight() async throws {
        setenv(Self.tokenVariable, testToken, 1)
        let faults = SandboxFaults(rate500: 0.12, seed: 11)
        try await withSandbox(orders: 300, options: .init(faults: faults)) { _, client, store in
            let (root, outbox) = try Self.folders()
            defer { try? FileManager.default.removeItem(at: root) }
            let settings = Self.settings(client, pageSize: 10, perFile: 20, extra: #", "maxAttempts": 1"#)
            var failedWithFiles = 0
            var succeeded = false
            for _ in 0..<60 where !succeeded {
                let context = try Self.context(settings: settings, root: root, outbox: outbox, store: store)
                do {
                    try await context.task.run(context.context)
                    #expect(context.context.scratchFiles.isEmpty, "a finished run's scratch files all became outputs")
                    try await Self.commit(context.context, store: store)
                    succeeded = true
                } catch {
                    // Every output the failed run made is whole, and no write goes on once it has returned: its
                    // scratch file (the file it was filling) keeps its size.
                    let begun = context.context.pendingOutputs
                    let scratch = context.context.scratchFiles
                    if !begun.isEmpty || !scratch.isEmpty { failedWithFiles += 1 }
                    for output in begun {
                        let text = try String(contentsOf: output.url, encoding: .utf8)
                        #expect(text.hasSuffix("</ArrayOfOrderInfo>\n") || text.hasSuffix("</ArrayOfOrderInfo>"), "\(output.name) unfinished")
                    }
                    func sizes() -> [Int] { scratch.map { (try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int) ?? -1 } }
                    let before = sizes()
                    try await Task.sleep(for: .milliseconds(150))
                    #expect(sizes() == before, "a write went on after the run returned")
                    // What the engine does with a run that will not commit.
                    for url in begun.map(\.url) + scratch { try? FileManager.default.removeItem(at: url) }
                }
            }
            #expect(succeeded, "a run got through the faults")
            #expect(failedWithFiles > 0, "some run failed after writing files (the case under test)")
            var ids: [String] = []
            for name in try FileManager.default.contentsOfDirectory(atPath: outbox.path) {
                let text = try String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8)
                // The order's own id follows its increment_id (items carry an order_id of their own).
                let pattern = try NSRegularExpression(pattern: "</increment_id>\\s*<order_id>(\\d+)")
                ids += pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                    Range($0.range(at: 1), in: text).map { String(text[$0]) }
                }
            }
            #expect(ids.count == 300, "\(ids.count) orders emitted")
            #expect(Set(ids).count == 300, "\(Set(ids).count) distinct orders")
        }
    }

    /// A fresh folder and the `inbox` in it the task writes to.
    static func folders() throws -> (root: URL, outbox: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-stream-\(UUID().uuidString)")
        let outbox = root.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        return (root, outbox)
    }

    /// The task's settings against `client`'s sandbox, every status, since the last run.
    static func settings(_ client: MagentoClient, pageSize: Int, perFile: Int, extra: String = "") -> String {
        """
        {"baseUrl": "\(client.configuration.baseURL)", "auth": "bearer", "tokenEnv": "\(tokenVariable)",
         "stages": [], "sinceLastRun": true, "pageSize": \(pageSize), "maxOrdersPerFile": \(perFile)\(extra)}
        """
    }

    static func freshStore(_ root: URL) throws -> StateStore {
        try StateStore(path: root.appendingPathComponent("whole-\(UUID().uuidString).sqlite").path, migrations: MagentoState.migrations)
    }

    /// The download task and a fresh context for one run, as the engine makes them.
    static func context(
        settings: String, root: URL, outbox: URL, store: StateStore
    ) throws -> (task: any ScheduledTask, context: TaskContext) {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let kind = try #require(MagentoTasks.all.first { $0.name == "magento.download-orders" })
        let environment = TaskEnvironment(store: store, logger: logger, root: root, stageName: "download-orders")
        let task = try kind.makeScheduledTask(TaskSettings(json: Data(settings.utf8), path: "stages[0].settings"), environment)
        let context = TaskContext(
            environment: environment, logger: logger, outputFolders: ["out": outbox], runID: UUID().uuidString)
        return (task, context)
    }

    /// Commits a run as the engine would: outputs renamed into place, commit hooks in one transaction.
    static func commit(_ context: TaskContext, store: StateStore) async throws {
        for output in context.pendingOutputs {
            try FileManager.default.moveItem(at: output.url, to: output.folder.appendingPathComponent(output.name))
        }
        let hooks = context.commitHooks
        try await store.write { db in for hook in hooks { try hook(db) } }
    }

    /// Runs the download task as the engine would and returns its counters.
    static func runDownload(settings: String, root: URL, outbox: URL, store: StateStore) async throws -> [String: Int] {
        let run = try context(settings: settings, root: root, outbox: outbox, store: store)
        try await run.task.run(run.context)
        try await commit(run.context, store: store)
        return run.context.counters
    }
}

import FerryConsole
import FerryDemo
import FerryPipeline
import FerryStages
import FerryState
import Foundation
import GRDB
import Logging
import MagentoConnector
import Testing

/// `ferry demo` serves the console beside its watch (the demo's extra services): a new user opens the overview and
/// finds a demo order while the demo runs; a port already taken leaves the demo running without the console.
@Suite struct DemoConsoleTests {
    @Test(.timeLimit(.minutes(3))) func theRunningDemoServesTheOverviewAndFindsItsOrders() async throws {
        let demo = try await RunningDemo(console: ConsoleSettings(port: 0))
        defer { demo.close() }
        let port = try #require(await demo.console.listening.first { _ in true } ?? nil, "the console listens on a free port")
        let client = CurlPool()
        func get(_ path: String) async throws -> (status: Int, text: String) {
            let response = try await client.perform(
                HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", headers: []), options: HTTPClientOptions())
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }

        let overview = try await get("/")
        #expect(overview.status == 200)
        #expect(overview.text.contains("map-orders"))
        #expect(overview.text.contains("download-orders"))

        // Once the mapping has sent the downloaded orders to the Sage outbox, the search finds one.
        let order = try await demo.firstOrderSent()
        let search = try await get("/orders?q=\(order)")
        #expect(search.status == 200)
        #expect(search.text.contains("order \(order) (entity"))
        #expect(search.text.contains("in the Sage outbox"))

        await demo.stop()
        let stopped = try? await get("/healthz")
        #expect(stopped == nil, "the console stops with the demo")
    }

    @Test(.timeLimit(.minutes(3))) func aPortAlreadyTakenLeavesTheDemoRunningWithoutTheConsole() async throws {
        let taker = try ConsoleService(settings: ConsoleSettings(port: 0), pipeline: { nil }, logger: RunningDemo.quiet)
        let taken = try await taker.start()
        let demo = try await RunningDemo(console: ConsoleSettings(port: taken))
        defer { demo.close() }
        let port = await demo.console.listening.first { _ in true } ?? nil
        #expect(port == nil, "the console says it cannot listen")
        // The demo goes on: the mapping still sends the downloaded orders to the Sage outbox.
        _ = try await demo.firstOrderSent()
        await demo.stop()
        await taker.stop()
    }
}

/// The demo's watch with a console service added, as `ferry demo` runs it, in a temporary folder with the shipped
/// config.json; ``stop()`` cancels it (a graceful shutdown), ``close()`` removes the folder.
final class RunningDemo: Sendable {
    static let quiet = Logger(label: "demo-console", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Says when a stage has processed a file, so the test waits for the event rather than for a time.
    final class Processed: PipelineObserver {
        let stages: AsyncStream<String>
        private let sent: AsyncStream<String>.Continuation

        init() { (stages, sent) = AsyncStream.makeStream() }

        func fileProcessed(stage: String, file: String, seconds: Double, counters: [String: Int]) { sent.yield(stage) }
    }

    let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-demo-console-\(UUID().uuidString)")
    let console: ConsoleService
    let watch: WatchService
    private let processed = Processed()
    private let running: Task<Void, any Error>

    init(console settings: ConsoleSettings) async throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("config.json")
        try FileManager.default.copyItem(at: repository.appendingPathComponent("config.json"), to: file)
        let (config, _) = try ConfigLoader.load(file: file, registry: BuiltinTasks.registry, checkFolders: false)
        for folder in config.stages.flatMap({ [$0.watch].compactMap { $0 } + Array($0.outputs.values) }) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        var options = DemoWorkflow.Options()
        options.initialOrders = 3
        options.sandboxPort = 0
        options.newOrderEvery = nil
        options.downloadEvery = .seconds(1)
        let demo = try DemoWorkflow(config: config, options: options, logger: Self.quiet, observers: [processed])
        let (made, send) = AsyncStream<(ConsoleService, WatchService)>.makeStream()
        let running = Task {
            defer { send.finish() }
            try await demo.runUntilStopped(configFile: file) { watch in
                let console = try ConsoleService(settings: settings, pipeline: { watch.pipeline }, logger: Self.quiet)
                send.yield((console, watch))
                return [console]
            }
        }
        self.running = running
        var consoles = made.makeAsyncIterator()
        guard let (console, watch) = await consoles.next() else {
            try await running.value  // the demo's own error: it stopped before its watch started
            throw CancellationError()
        }
        self.console = console
        self.watch = watch
    }

    /// The increment id of the first order the mapping sent to the Sage outbox, once it has.
    func firstOrderSent() async throws -> String {
        for await stage in processed.stages where stage == "map-orders" { break }
        let pipeline = try #require(watch.pipeline)
        return try #require(
            try await pipeline.store.read { db in try String.fetchOne(db, sql: "SELECT external_ref FROM sage_ledger ORDER BY external_ref LIMIT 1") })
    }

    /// Stops the demo as Ctrl-C does and waits until everything has stopped.
    func stop() async {
        running.cancel()
        _ = await running.result
    }

    func close() {
        running.cancel()
        try? FileManager.default.removeItem(at: root)
    }
}

import FerryConsole
@testable import FerryPipeline
import FerryStages
import FerryTestSupport
import Foundation
import Logging
import MagentoConnector
import ServiceLifecycle
import Testing

/// The console across a reload of config.json, as `ferry watch` runs it: the watch service and the console's
/// reloader in one service group, the reload asked for as SIGHUP asks for it.
@Suite(.serialized) struct ConsoleReloadTests {
    /// A folder tree with one probe stage and the given `console` section, the watch service and the reloader
    /// running in a service group.
    final class Running: Sendable {
        let root: URL
        let config: URL
        let watch: WatchService
        let reloader: ConsoleReloader
        let group: ServiceGroup
        let task: Task<Void, any Error>
        let log = LogCapture(level: .info)
        let client = CurlPool()

        init(console: String) async throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-console-reload-\(UUID().uuidString)")
            for folder in ["inbox/in", "outbox/out"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            config = root.appendingPathComponent("config.json")
            try Self.write(console: console, to: config)
            let registry = TaskRegistry(Array(BuiltinTasks.registry.kinds.values) + [ProbeTask.kind])
            let loaded = try ConfigLoader.load(file: config, registry: registry).0
            let quiet = Logger(label: "pipeline", factory: { _ in SwiftLogNoOpLogHandler() })
            let watch = WatchService(
                pipeline: try Pipeline(config: loaded, registry: registry, logger: quiet), configFile: config, registry: registry,
                logger: quiet)
            let logger = log.logger
            self.watch = watch
            reloader = ConsoleReloader(settings: try ConsoleSettings.from(config: loaded), reloads: watch.reloadedConfigurations, logger: logger) {
                try ConsoleService(settings: $0, pipeline: { watch.pipeline }, logger: logger)
            }
            group = ServiceGroup(configuration: .init(services: [.init(service: watch), .init(service: reloader)], logger: quiet))
            task = Task { [group] in try await group.run() }
        }

        static func write(console: String, to file: URL) throws {
            let text = """
                { "settleMilliseconds": 0, "console": \(console),
                  "stages": [ { "name": "probe", "watch": "inbox/in", "task": "probe", "outputs": { "out": "outbox/out" } } ] }
                """
            try Data(text.utf8).write(to: file)
        }

        /// Rewrites the `console` section and reloads, as SIGHUP does.
        func reload(console: String) throws {
            try Self.write(console: console, to: config)
            watch.requestReload()
        }

        /// The console serving once it listens, when it is not `previous` (a hang guard, not a timing).
        func listening(other previous: ConsoleService? = nil) async throws -> (ConsoleService, Int) {
            for _ in 0..<3000 {
                if let console = reloader.console, console !== previous, let port = console.port { return (console, port) }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw CancellationError()
        }

        func health(host: String, port: Int) async throws -> Int {
            try await client.perform(HTTPRequest(method: "GET", url: "http://\(host):\(port)/healthz"), options: HTTPClientOptions()).status
        }

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await task.value
            try? FileManager.default.removeItem(at: root)
        }
    }

    @Test func aReloadThatMovesTheConsoleRestartsItAtTheNewAddress() async throws {
        let running = try await Running(console: #"{ "listen": "127.0.0.1:0" }"#)
        let (first, oldPort) = try await running.listening()
        #expect(try await running.health(host: "127.0.0.1", port: oldPort) == 200)

        try running.reload(console: #"{ "listen": "127.0.0.2:0" }"#)
        let (_, newPort) = try await running.listening(other: first)
        #expect(try await running.health(host: "127.0.0.2", port: newPort) == 200)
        await #expect(throws: (any Error).self, "the old address is closed") { try await running.health(host: "127.0.0.1", port: oldPort) }
        #expect(running.log.text.contains("SIGHUP: the console section changed, the operator console restarts"))
        try await running.stop()
    }

    @Test func aReloadWithAnInvalidConsoleSectionKeepsTheConsoleAndSaysWhy() async throws {
        let running = try await Running(console: #"{ "listen": "127.0.0.1:0" }"#)
        let (first, port) = try await running.listening()
        // Anything but loopback needs a password: refused, the console stays where it is.
        try running.reload(console: #"{ "listen": "0.0.0.0:0" }"#)
        for _ in 0..<3000 where !running.log.text.contains("the console section is invalid") {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(running.log.text.contains("SIGHUP: the console section is invalid; the operator console keeps its previous settings"))
        #expect(running.log.text.contains("console.password"))
        #expect(running.reloader.console === first)
        #expect(try await running.health(host: "127.0.0.1", port: port) == 200)
        try await running.stop()
    }
}

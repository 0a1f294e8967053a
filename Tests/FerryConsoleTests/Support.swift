import FerryConsole
import FerryPipeline
import FerryStages
import FerryState
import FerryTestSupport
import Foundation
import GRDB
import Logging
import MagentoConnector

/// A task for the console's tests: a file starting with `bad` is refused as bad input, any other is processed
/// (counted as `orders.mapped`) and archived.
struct ProbeTask: FileTask {
    static let kind = TaskKind.file(name: "probe", settingsKeys: []) { _, _ in ProbeTask() }

    func run(_ input: TaskInput, context: TaskContext) async throws {
        let text = try String(contentsOf: input.url, encoding: .utf8)
        if text.hasPrefix("bad") { throw TaskError.badInput("line 1: the probe refuses files that start with 'bad'") }
        context.count("orders.mapped")
    }
}

/// A ferry folder tree in a temporary folder (one probe stage on `inbox/in`, every built-in task's tables in the
/// state store) with a console on 127.0.0.1, a free port; removed by ``close()``.
final class ConsoleFixture: Sendable {
    let root: URL
    let pipeline: Pipeline
    let console: ConsoleService
    let port: Int
    let log = LogCapture(level: .info)
    private let client = CurlPool()

    /// - Parameter settings: the console's settings (the port is replaced by 0).
    init(settings: ConsoleSettings = ConsoleSettings(), metrics: (@Sendable () -> String)? = nil) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("inbox/in"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("outbox/out"), withIntermediateDirectories: true)
        let text = """
            { "settleMilliseconds": 0,
              "stages": [ { "name": "probe", "watch": "inbox/in", "task": "probe", "outputs": { "out": "outbox/out" } } ] }
            """
        let file = root.appendingPathComponent("config.json")
        try Data(text.utf8).write(to: file)
        let registry = TaskRegistry(Array(BuiltinTasks.registry.kinds.values) + [ProbeTask.kind])
        let config = try ConfigLoader.load(file: file, registry: registry).0
        let quiet = Logger(label: "pipeline", factory: { _ in SwiftLogNoOpLogHandler() })
        let pipeline = try Pipeline(config: config, registry: registry, logger: quiet)
        self.pipeline = pipeline
        var settings = settings
        settings.port = 0
        console = try ConsoleService(settings: settings, pipeline: { pipeline }, metrics: metrics, liveInterval: .milliseconds(200), logger: log.logger)
        port = try await console.start()
    }

    func close() async {
        await console.stop()
        try? FileManager.default.removeItem(at: root)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// A GET (no redirects followed).
    func get(_ path: String, headers: [(name: String, value: String)] = []) async throws -> HTTPResponse {
        try await client.perform(HTTPRequest(method: "GET", url: base + path, headers: headers), options: HTTPClientOptions())
    }

    /// A form POST.
    func post(_ path: String, form: [(String, String)], headers: [(name: String, value: String)] = []) async throws -> HTTPResponse {
        let body = form.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await client.perform(
            HTTPRequest(
                method: "POST", url: base + path, headers: headers + [("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(body.utf8), idempotent: false),
            options: HTTPClientOptions())
    }

    /// The CSRF cookie a page set and the token its forms carry.
    func csrf(from page: HTTPResponse) -> (cookie: String, token: String)? {
        guard let cookie = page.headers["set-cookie"]?.split(separator: ";").first.map(String.init),
            let token = cookie.split(separator: "=", maxSplits: 1).last.map(String.init)
        else { return nil }
        return (cookie, token)
    }

    /// Puts `content` into `failed/<stage>/<name>` with a reason file, as the engine's quarantine leaves it.
    @discardableResult
    func quarantine(_ name: String, content: String, reason: String = "line 1: not XML", stage: String = "probe") throws -> URL {
        let folder = pipeline.config.failedFolder.appendingPathComponent(stage)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try Data(content.utf8).write(to: file)
        try Data("reason: \(reason)\nstage: \(stage)\n".utf8).write(to: folder.appendingPathComponent(name + ".error.txt"))
        return file
    }

    /// Runs `sql` on the state store: the rows a test puts in the journal and the ledgers.
    func execute(_ sql: String) throws {
        try pipeline.store.write { db in try db.execute(sql: sql) }
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }

    static func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }
}

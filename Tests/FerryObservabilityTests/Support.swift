import FerryPipeline
import Foundation
import Logging
import Synchronization

/// A temporary folder removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async rethrows -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-obs-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// A recognisable secret: if it shows up anywhere it must not, the tests find it.
let recognisableSecret = "FERRY-TEST-SECRET-7f3a9c"

/// Collects log records so tests can check what ferry logged (and that no secret is among it).
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(capture: self) }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let text = "\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.lines.withLock { $0.append(text) }
    }
}

/// A task for the tests: a file saying `bad` is refused (its reason quotes the secret, which must be masked),
/// `rejected` reports two orders Sage rejected, anything else one mapped order.
struct ProbeTask: FileTask {
    static let kind = TaskKind.file(name: "probe", settingsKeys: []) { _, _ in ProbeTask() }

    func run(_ input: TaskInput, context: TaskContext) async throws {
        let text = try String(contentsOf: input.url, encoding: .utf8)
        if text.hasPrefix("bad") { throw TaskError.badInput("line 1: cannot parse (token \(recognisableSecret))") }
        if text.hasPrefix("rejected") {
            context.count("orders.sage-failed", by: 2)
        } else {
            context.count("orders.mapped")
        }
    }
}

/// Writes a config.json with one probe stage on inbox/in and `extra` top-level keys, and loads it.
func loadConfig(root: URL, extra: String) throws -> FerryConfig {
    try FileManager.default.createDirectory(at: root.appendingPathComponent("inbox/in"), withIntermediateDirectories: true)
    let text = """
        { "settleMilliseconds": 0, \(extra)
          "stages": [ { "name": "probe", "watch": "inbox/in", "task": "probe", "outputs": {} } ] }
        """
    let url = root.appendingPathComponent("config.json")
    try Data(text.utf8).write(to: url)
    return try ConfigLoader.load(file: url, registry: TaskRegistry([ProbeTask.kind])).0
}

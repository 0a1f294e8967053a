import FerryPipeline
import Foundation
import Logging

/// A recognisable secret: if it shows up anywhere it must not, the tests find it.
let recognisableSecret = "FERRY-TEST-SECRET-7f3a9c"

/// A task for the tests: a file saying `bad` is refused (its reason quotes the secret, which must be masked),
/// `rejected` reports two orders Sage rejected, anything else one mapped order.
struct ProbeTask: FileTask {
    static let kind = TaskKind.file(name: "probe", settingsKeys: [], alertCounters: ["orders.sage-failed"]) { _, _ in ProbeTask() }

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

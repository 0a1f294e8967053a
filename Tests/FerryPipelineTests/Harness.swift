import FerryPipeline
import FerryStages
import FerryState
import Foundation
import Logging
import Testing

/// A temporary ferry root with one or more stages, run in-process.
final class Harness: @unchecked Sendable {
    // @unchecked: the test body owns the harness; the pipeline task only reads `pipeline`.
    let root: URL
    var pipeline: Pipeline!
    private var watchTask: Task<Void, Never>?

    static let identityStylesheet = """
        <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
          <xsl:template match="/"><Mapped><xsl:copy-of select="."/></Mapped></xsl:template>
        </xsl:stylesheet>
        """

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-test-\(UUID().uuidString)")
        for folder in ["inbox/in", "outbox/out", "mappings"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(Self.identityStylesheet.utf8).write(to: root.appendingPathComponent("mappings/identity.xsl"))
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    var inbox: URL { root.appendingPathComponent("inbox/in") }
    var outbox: URL { root.appendingPathComponent("outbox/out") }

    /// The default one-stage config: inbox/in -> xslt -> outbox/out.
    func writeConfig(extra: String = "", stage: String? = nil, settle: Int = 200) throws -> URL {
        let stage = stage ?? """
            { "name": "map", "watch": "inbox/in", "task": "xslt", "settings": { "stylesheet": "mappings/identity.xsl" },
              "outputs": { "out": "outbox/out" } }
            """
        let text = """
            { "settleMilliseconds": \(settle), "rescanSeconds": 30, \(extra)
              "stages": [ \(stage) ] }
            """
        let url = root.appendingPathComponent("config.json")
        try Data(text.utf8).write(to: url)
        return url
    }

    func load(_ config: URL, registry: TaskRegistry = BuiltinTasks.registry, drainAttempts: Int? = nil) throws -> Pipeline {
        let (loaded, _) = try ConfigLoader.load(file: config, registry: registry)
        // FERRY_TEST_LOG=1 shows the engine's log while debugging a test.
        let logger = ProcessInfo.processInfo.environment["FERRY_TEST_LOG"] == nil
            ? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            : Logger(label: "test", factory: { label in var h = StreamLogHandler.standardError(label: label); h.logLevel = .debug; return h })
        return try Pipeline(config: loaded, registry: registry, logger: logger, drainAttempts: drainAttempts)
    }

    /// Starts `ferry watch` in-process and returns once the watches are in place.
    func startWatching(registry: TaskRegistry = BuiltinTasks.registry, config: URL? = nil) async throws {
        pipeline = try load(config ?? root.appendingPathComponent("config.json"), registry: registry)
        let ready = AsyncStream.makeStream(of: Void.self)
        let pipeline = self.pipeline!
        watchTask = Task { await pipeline.watch { ready.continuation.yield() } }
        for await _ in ready.stream { break }
    }

    func stop() async {
        pipeline?.stop()
        await watchTask?.value
    }

    /// A small valid order file's text.
    static func order(_ id: Int) -> String {
        "<ArrayOfOrderInfo><OrderInfo><order_id>\(id)</order_id></OrderInfo></ArrayOfOrderInfo>\n"
    }

    /// Delivers by write to a hidden name, then rename (the convention writers should follow).
    func deliver(_ name: String, _ text: String, into folder: URL? = nil) throws {
        let folder = folder ?? inbox
        let temp = folder.appendingPathComponent(".\(name).part")
        try Data(text.utf8).write(to: temp)
        try FileManager.default.moveItem(at: temp, to: folder.appendingPathComponent(name))
    }

    /// Files in `folder` (not hidden), sorted.
    func files(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Every file under `folder`, recursively, as paths relative to it (hidden ones included).
    func allFiles(under folder: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var result: [String] = []
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { result.append(path) }
        }
        return result.sorted()
    }

    /// Archived inputs (names only) of `stage`, across days.
    func archived(stage: String = "map") -> [String] {
        allFiles(under: root.appendingPathComponent("archive")).filter { $0.contains("/\(stage)/") }.map { ($0 as NSString).lastPathComponent }.sorted()
    }

}

/// A test task that copies its input: exercises the engine without XSLT costs.
struct CopyTask: FileTask {
    static let kind = TaskKind.file(name: "copy", settingsKeys: []) { _, _ in CopyTask() }

    func run(_ input: TaskInput, context: TaskContext) async throws {
        let output = try context.createOutput("out", name: input.name)
        try FileManager.default.copyItem(at: input.url, to: output.url)
    }
}


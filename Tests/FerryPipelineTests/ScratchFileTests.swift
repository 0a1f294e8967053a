@testable import FerryPipeline
import Foundation
import Testing

/// A scratch file (``TaskContext/scratchFile(for:)``) is written before its output's name is known, then made the
/// output (``TaskContext/createOutput(_:name:from:)``); a run that does not commit leaves none behind.
@Suite(.serialized) struct ScratchFileTests {
    /// Tick 1 writes a scratch file and fails; tick 2 writes one it makes its output and one it forgets.
    struct NamingLateTask: ScheduledTask {
        static let kind = TaskKind.scheduled(name: "naming-late", settingsKeys: []) { _, _ in NamingLateTask() }
        static let ticks = ScheduledPublishFailureTests.Counter()
        struct Failed: Error {}

        func run(_ context: TaskContext) async throws {
            let tick = Self.ticks.next()
            let scratch = try context.scratchFile(for: "out")
            try Data("tick \(tick)\n".utf8).write(to: scratch)
            if tick == 1 { throw Failed() }
            try Data("forgotten\n".utf8).write(to: context.scratchFile(for: "out"))
            _ = try context.createOutput("out", name: "named-after-\(tick).txt", from: scratch)
        }
    }

    @Test func aScratchFileBecomesTheOutputAndNoneIsLeftBehind() async throws {
        let h = try Harness()
        let config = try h.writeConfig(stage: #"{ "name": "late", "task": "naming-late", "everySeconds": 3600, "outputs": { "out": "outbox/out" } }"#)
        let pipeline = try h.load(config, registry: TaskRegistry([NamingLateTask.kind]))
        func everything() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: h.outbox.path)) ?? []).sorted() }

        await #expect(throws: PipelineError.self) { _ = try await pipeline.runScheduled(stage: "late") }
        #expect(everything() == [], "the failed run's scratch file is deleted")

        _ = try await pipeline.runScheduled(stage: "late")
        #expect(everything() == ["named-after-2.txt"], "the output, and no scratch file")
        #expect(try String(contentsOf: h.outbox.appendingPathComponent("named-after-2.txt"), encoding: .utf8) == "tick 2\n")
    }
}

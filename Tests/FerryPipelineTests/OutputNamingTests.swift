@testable import FerryPipeline
import FerryState
import Foundation
import GRDB
import Synchronization
import Testing

/// Output names: a file run again (after a conflict or a failed commit) publishes under its own name, and a name
/// something took after the commit publishes as the next free one, which the journal then records.
@Suite(.serialized) struct OutputNamingTests {
    /// What the scripted task's commit hook does the first time it commits each input name.
    final class Script: Sendable {
        let onFirstCommit: @Sendable (_ name: String, _ folder: URL) throws -> Void
        private let committed = Mutex(Set<String>())

        init(onFirstCommit: @escaping @Sendable (_ name: String, _ folder: URL) throws -> Void) {
            self.onFirstCommit = onFirstCommit
        }

        /// True the first time only: the flag outlives a savepoint that is rolled back.
        func isFirstCommit(of name: String) -> Bool { committed.withLock { $0.insert(name).inserted } }
    }

    /// Copies its input to `out` under the input's name, with the script's commit hook.
    struct ScriptedTask: FileTask {
        let script: Script

        static func kind(_ script: Script, overlapsFiles: Bool) -> TaskKind {
            TaskKind.file(name: "scripted", settingsKeys: [], overlapsFiles: overlapsFiles) { _, _ in ScriptedTask(script: script) }
        }

        func run(_ input: TaskInput, context: TaskContext) async throws {
            let output = try context.createOutput("out", name: input.name)
            try FileManager.default.copyItem(at: input.url, to: output.url)
            let script = self.script
            context.onCommit { _ in
                if script.isFirstCommit(of: input.name) { try script.onFirstCommit(input.name, output.folder) }
            }
        }
    }

    static let stage = """
        { "name": "map", "watch": "inbox/in", "task": "scripted", "outputs": { "out": "outbox/out" } }
        """

    static func drain(_ h: Harness, _ script: Script, overlapsFiles: Bool) async throws -> Pipeline {
        let config = try h.writeConfig(stage: stage, settle: 0)
        let pipeline = try h.load(config, registry: TaskRegistry([ScriptedTask.kind(script, overlapsFiles: overlapsFiles)]))
        _ = await pipeline.drain()
        return pipeline
    }

    @Test func filesRunAgainAfterAConflictKeepTheirNames() async throws {
        let h = try Harness()
        for name in ["a.xml", "b.xml", "c.xml"] { try h.deliver(name, Harness.order(1)) }
        // b's first commit finds an order a committed meanwhile: b and the file after it run again.
        let script = Script { name, _ in if name == "b.xml" { throw TaskError.conflict("sent meanwhile") } }
        _ = try await Self.drain(h, script, overlapsFiles: true)
        #expect(h.files(in: h.outbox) == ["a.xml", "b.xml", "c.xml"])
        #expect(h.archived() == ["a.xml", "b.xml", "c.xml"])
    }

    @Test func aFileRetriedAfterAFailedCommitKeepsItsName() async throws {
        let h = try Harness()
        try h.deliver("a.xml", Harness.order(1))
        let script = Script { _, _ in throw TaskError.transient("the store blinked") }
        _ = try await Self.drain(h, script, overlapsFiles: false)
        #expect(h.files(in: h.outbox) == ["a.xml"])
        #expect(h.archived() == ["a.xml"])
    }

    @Test func aNameTakenAfterTheCommitPublishesAsTheNextFreeOneAndTheJournalSaysSo() async throws {
        let h = try Harness()
        try h.deliver("a.xml", Harness.order(7))
        // Inside the commit, after the name was chosen: another writer drops a file of that name.
        let script = Script { name, folder in try Data("not ours".utf8).write(to: folder.appendingPathComponent(name)) }
        let pipeline = try await Self.drain(h, script, overlapsFiles: false)
        #expect(h.files(in: h.outbox) == ["a-1.xml", "a.xml"])
        #expect(try String(contentsOf: h.outbox.appendingPathComponent("a.xml"), encoding: .utf8) == "not ours")
        #expect(try String(contentsOf: h.outbox.appendingPathComponent("a-1.xml"), encoding: .utf8) == Harness.order(7))
        let entry = try await pipeline.store.read { db in try JournalEntry.filter(Column("stage") == "map").fetchOne(db) }
        #expect(entry?.state == .done)
        #expect(entry?.decodedOutputs.map(\.name) == ["a-1.xml"])
    }
}

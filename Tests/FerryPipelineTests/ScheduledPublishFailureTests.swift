@testable import FerryPipeline
import FerryState
import GRDB
import Foundation
import Testing

/// A scheduled run whose outputs committed (with its hooks: a download's watermark) but could not be published
/// must stay committed and be published later: abandoning it would lose the orders behind the moved watermark.
@Suite(.serialized) struct ScheduledPublishFailureTests {
    /// Writes one output per tick; on its first tick it makes the output folder immutable after writing, so the
    /// engine's rename into the folder fails (EPERM, even for root) after the commit.
    struct LockingTask: ScheduledTask {
        static let kind = TaskKind.scheduled(name: "locking", settingsKeys: []) { _, _ in LockingTask() }
        static let ticks = Counter()

        func run(_ context: TaskContext) async throws {
            let tick = Self.ticks.next()
            let output = try context.createOutput("out", name: "tick-\(tick).txt")
            try Data("tick \(tick)\n".utf8).write(to: output.url)
            if tick == 1 { _ = try chattr("+i", output.folder) }
        }
    }

    final class Counter: @unchecked Sendable {
        // @unchecked: guarded by the lock.
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
    }

    static func chattrWorks(_ folder: URL) -> Bool {
        (try? chattr("+i", folder)) == 0 && (try? chattr("-i", folder)) == 0
    }

    @Test func aRunThatCannotPublishStaysCommittedAndTheNextRunPublishesIt() async throws {
        let h = try Harness()
        guard Self.chattrWorks(h.outbox) else {
            // chattr +i needs root and a filesystem with the immutable attribute (ext4, xfs; not tmpfs).
            print("skipped: chattr +i does not work on \(h.outbox.path)")
            return
        }
        defer { _ = try? chattr("-i", h.outbox) }
        let config = try h.writeConfig(stage: #"{ "name": "nightly", "task": "locking", "everySeconds": 3600, "outputs": { "out": "outbox/out" } }"#)
        let pipeline = try h.load(config, registry: TaskRegistry([LockingTask.kind]))

        // First tick: committed, publishing refused by the immutable folder.
        await #expect(throws: PipelineError.self) { _ = try await pipeline.runScheduled(stage: "nightly") }
        let store = pipeline.store
        let states = try journalStates(store)
        #expect(states == ["committed"], "the run must stay committed, not abandoned: \(states)")
        #expect(h.files(in: h.outbox).isEmpty)

        // The folder is writable again: the next tick publishes the first run's output before its own.
        try chattr("-i", h.outbox)
        _ = try await pipeline.runScheduled(stage: "nightly")
        #expect(h.files(in: h.outbox) == ["tick-1.txt", "tick-2.txt"])
        #expect(try journalStates(store) == ["done", "done"])
    }

    private func journalStates(_ store: StateStore) throws -> [String] {
        try store.read { db in try String.fetchAll(db, sql: "SELECT state FROM pipeline_runs ORDER BY id") }
    }
}

/// Runs chattr on a folder; returns its exit status.
@discardableResult
func chattr(_ flag: String, _ folder: URL) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
    process.arguments = [flag, folder.path]
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

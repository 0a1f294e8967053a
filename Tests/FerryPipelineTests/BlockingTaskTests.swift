@testable import FerryPipeline
import FerryState
import Foundation
import Synchronization
import Testing

/// A ``BlockingFileTask`` whose kind overlaps files runs a group of files in one job of the blocking pool per core
/// (`FileStageRunner+Blocking.swift`): each file keeps its own result, a conflict still runs the files after it
/// again, and a stop leaves the files no job took claimed, to run once at the next start.
@Suite(.serialized) struct BlockingTaskTests {
    /// What the task did, and what it does at some files.
    final class Probe: Sendable {
        struct State {
            var running = 0
            var mostAtOnce = 0
            var runs: [String: Int] = [:]
            var committed: Set<String> = []
        }
        let state = Mutex(State())
        /// Called in the task's body, before the output is written.
        let beforeWriting: @Sendable (String) throws -> Void
        /// Called inside the commit, the first time each name commits only.
        let onFirstCommit: @Sendable (String) throws -> Void

        init(beforeWriting: @escaping @Sendable (String) throws -> Void = { _ in }, onFirstCommit: @escaping @Sendable (String) throws -> Void = { _ in }) {
            self.beforeWriting = beforeWriting
            self.onFirstCommit = onFirstCommit
        }

        var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
        var runs: [String: Int] { state.withLock { $0.runs } }
    }

    /// Writes `mapped <input>` to `out` under the input's name; refuses inputs named `bad-*`.
    struct BlockingCopyTask: BlockingFileTask {
        let probe: Probe

        static func registry(_ probe: Probe) -> TaskRegistry {
            TaskRegistry([TaskKind.file(name: "blocking-copy", settingsKeys: [], overlapsFiles: true) { _, _ in BlockingCopyTask(probe: probe) }])
        }

        func runBlocking(_ input: TaskInput, context: TaskContext) throws {
            probe.state.withLock {
                $0.running += 1
                $0.mostAtOnce = max($0.mostAtOnce, $0.running)
                $0.runs[input.name, default: 0] += 1
            }
            defer { probe.state.withLock { $0.running -= 1 } }
            if input.name.hasPrefix("bad-") { throw TaskError.badInput("\(input.name) is refused by the test") }
            try probe.beforeWriting(input.name)
            let output = try context.createOutput("out", name: input.name)
            let text = try String(contentsOf: input.url, encoding: .utf8)
            try Data("mapped \(text)".utf8).write(to: output.url)
            let probe = self.probe
            context.onCommit { _ in
                // The flag outlives a savepoint that is rolled back.
                if probe.state.withLock({ $0.committed.insert(input.name).inserted }) { try probe.onFirstCommit(input.name) }
            }
        }
    }

    static let stage = """
        { "name": "map", "watch": "inbox/in", "task": "blocking-copy", "outputs": { "out": "outbox/out" } }
        """

    /// Delivers `count` files `f00.xml`... (or `bad-NN.xml` for the numbers in `bad`), each holding its own name.
    static func deliver(_ h: Harness, count: Int, bad: Set<Int> = []) throws -> [String] {
        var good: [String] = []
        for number in 0..<count {
            let name = (bad.contains(number) ? "bad-" : "f") + (number < 10 ? "0" : "") + "\(number).xml"
            try h.deliver(name, "<file>\(name)</file>")
            if !bad.contains(number) { good.append(name) }
        }
        return good
    }

    /// Every good file published once under its own name with its own content, and archived.
    static func expectPublished(_ h: Harness, _ good: [String]) throws {
        #expect(h.files(in: h.outbox) == good)
        for name in good {
            #expect(try String(contentsOf: h.outbox.appendingPathComponent(name), encoding: .utf8) == "mapped <file>\(name)</file>")
        }
        #expect(h.archived() == good)
    }

    @Test func eachFileOfAGroupKeepsItsOwnResultAndAtMostOneJobPerCoreRuns() async throws {
        let h = try Harness()
        // More than a group (32) and a batch (64): 70 files, three of them bad, one in each group.
        let good = try Self.deliver(h, count: 70, bad: [7, 40, 69])
        let probe = Probe()
        let config = try h.writeConfig(stage: Self.stage, settle: 0)
        let report = await (try h.load(config, registry: BlockingCopyTask.registry(probe))).drain()
        #expect(report.processed == 67)
        #expect(report.quarantined == 3)
        try Self.expectPublished(h, good)
        let failed = h.files(in: h.root.appendingPathComponent("failed/map"))
        #expect(failed == ["bad-07.xml", "bad-07.xml.error.txt", "bad-40.xml", "bad-40.xml.error.txt", "bad-69.xml", "bad-69.xml.error.txt"])
        #expect(try String(contentsOf: h.root.appendingPathComponent("failed/map/bad-40.xml.error.txt"), encoding: .utf8).contains("bad-40.xml is refused by the test"))
        #expect(probe.runs.count == 70 && probe.runs.values.allSatisfy { $0 == 1 })
        #expect(probe.mostAtOnce >= 1 && probe.mostAtOnce <= ProcessInfo.processInfo.activeProcessorCount)
    }

    @Test func aConflictRunsTheFileAndEveryFileAfterItAgain() async throws {
        let h = try Harness()
        let good = try Self.deliver(h, count: 10)
        // f04's first commit finds an order a file before it committed meanwhile.
        let probe = Probe(onFirstCommit: { name in if name == "f04.xml" { throw TaskError.conflict("sent meanwhile") } })
        let config = try h.writeConfig(stage: Self.stage, settle: 0)
        _ = await (try h.load(config, registry: BlockingCopyTask.registry(probe))).drain()
        try Self.expectPublished(h, good)
        let runs = probe.runs
        #expect(good.prefix(4).allSatisfy { runs[$0] == 1 })
        #expect(good.dropFirst(4).allSatisfy { runs[$0] == 2 })
    }

    @Test func aStopLeavesTheFilesNoJobTookClaimedAndTheNextStartRunsEachOnce() async throws {
        let h = try Harness()
        let good = try Self.deliver(h, count: 40)
        let config = try h.writeConfig(stage: Self.stage, settle: 0)
        let stopping = Mutex(true)
        let pipeline = Mutex<Pipeline?>(nil)
        // From f03 on, a file asks for the stop and waits until its stage has it: the jobs take no file after those.
        let probe = Probe(beforeWriting: { name in
            guard stopping.withLock({ $0 }), name >= "f03.xml", let current = pipeline.withLock({ $0 }) else { return }
            current.stop()
            let deadline = ContinuousClock.now + .seconds(30)
            while !current.fileRunners.allSatisfy(\.stopRequest.isRequested), ContinuousClock.now < deadline { usleep(2_000) }
        })
        let first = try h.load(config, registry: BlockingCopyTask.registry(probe))
        pipeline.withLock { $0 = first }
        let report = await first.drain()
        let ranFirst = probe.runs.count
        // f00-f02, f03 and at most one file per other job: the rest were never taken.
        #expect(report.processed == ranFirst)
        #expect(ranFirst >= 4 && ranFirst <= 3 + ProcessInfo.processInfo.activeProcessorCount)
        #expect(h.files(in: h.outbox) == Array(good.prefix(ranFirst)))

        stopping.withLock { $0 = false }
        _ = await (try h.load(config, registry: BlockingCopyTask.registry(probe))).drain()
        try Self.expectPublished(h, good)
        #expect(probe.runs.count == 40 && probe.runs.values.allSatisfy { $0 == 1 })
    }
}

@testable import FerryPipeline
import FerryState
import FileWatching
import Foundation
import GRDB
import Synchronization
import Testing

/// A lone file of a ``BlockingFileTask`` goes from its claim to its publishing on one thread
/// (`FileStageRunner+Lone.swift`), and keeps every outcome of the batch path: a bad or empty file is quarantined
/// with its reason, a commit that conflicts runs the file again, and nothing is published twice.
@Suite(.serialized) struct LoneFileTests {
    typealias Probe = BlockingTaskTests.Probe
    typealias BlockingCopyTask = BlockingTaskTests.BlockingCopyTask

    /// The threads a file's task body and its commit ran on, by file name.
    final class Threads: Sendable {
        let task = Mutex<[String: pthread_t]>([:])
        let commit = Mutex<[String: pthread_t]>([:])
    }

    /// A probe that notes the threads of each file's task body and first commit.
    static func probe(_ threads: Threads, onFirstCommit: @escaping @Sendable (String) throws -> Void = { _ in }) -> Probe {
        Probe(
            beforeWriting: { name in threads.task.withLock { $0[name] = pthread_self() } },
            onFirstCommit: { name in
                threads.commit.withLock { $0[name] = pthread_self() }
                try onFirstCommit(name)
            })
    }

    @Test func aLoneFileIsCommittedOnTheThreadThatRanItsTask() async throws {
        let h = try Harness()
        try h.deliver("f00.xml", "<file>f00.xml</file>")
        let threads = Threads()
        let config = try h.writeConfig(stage: BlockingTaskTests.stage, settle: 0)
        let report = await (try h.load(config, registry: BlockingCopyTask.registry(Self.probe(threads)))).drain()
        #expect(report.processed == 1)
        try BlockingTaskTests.expectPublished(h, ["f00.xml"])
        let task = try #require(threads.task.withLock { $0["f00.xml"] })
        let commit = try #require(threads.commit.withLock { $0["f00.xml"] })
        // The batch path queues the commit on the store's writer, another thread.
        #expect(pthread_equal(task, commit) != 0)
    }

    @Test func loneFilesDeliveredOneByOneToTheWatcherArePublishedOnceEach() async throws {
        let h = try Harness()
        let threads = Threads()
        let probe = Self.probe(threads)
        _ = try h.writeConfig(stage: BlockingTaskTests.stage, settle: 0)
        try await h.startWatching(registry: BlockingCopyTask.registry(probe))
        var names: [String] = []
        for number in 0..<20 {
            let name = "f" + (number < 10 ? "0" : "") + "\(number).xml"
            try h.deliver(name, "<file>\(name)</file>")
            names.append(name)
            let output = h.outbox.appendingPathComponent(name).path
            let deadline = ContinuousClock.now + .seconds(30)
            while !FileManager.default.fileExists(atPath: output), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        }
        await h.stop()
        try BlockingTaskTests.expectPublished(h, names)
        #expect(probe.runs.count == 20 && probe.runs.values.allSatisfy { $0 == 1 })
        let task = threads.task.withLock { $0 }
        let commit = threads.commit.withLock { $0 }
        #expect(names.allSatisfy { name in task[name].flatMap { t in commit[name].map { pthread_equal(t, $0) != 0 } } == true })
    }

    @Test func aBadLoneFileIsQuarantinedWithItsReasonAndTheNextIsPublished() async throws {
        let h = try Harness()
        let probe = Probe()
        let config = try h.writeConfig(stage: BlockingTaskTests.stage, settle: 0)
        try h.deliver("bad-00.xml", "<file>bad</file>")
        let first = await (try h.load(config, registry: BlockingCopyTask.registry(probe))).drain()
        #expect(first.quarantined == 1 && first.processed == 0)
        try h.deliver("empty.xml", "")
        let second = await (try h.load(config, registry: BlockingCopyTask.registry(probe))).drain()
        #expect(second.quarantined == 1)
        try h.deliver("f01.xml", "<file>f01.xml</file>")
        let third = await (try h.load(config, registry: BlockingCopyTask.registry(probe))).drain()
        #expect(third.processed == 1)
        try BlockingTaskTests.expectPublished(h, ["f01.xml"])
        let failed = h.root.appendingPathComponent("failed/map")
        #expect(h.files(in: failed) == ["bad-00.xml", "bad-00.xml.error.txt", "empty.xml", "empty.xml.error.txt"])
        #expect(try String(contentsOf: failed.appendingPathComponent("bad-00.xml.error.txt"), encoding: .utf8).contains("bad-00.xml is refused by the test"))
        #expect(try String(contentsOf: failed.appendingPathComponent("empty.xml.error.txt"), encoding: .utf8).contains("the file is empty"))
        // The empty file never reached the task.
        #expect(probe.runs["empty.xml"] == nil)
    }

    @Test func aLoneFileWhoseCommitConflictsRunsAgainAndIsPublishedOnce() async throws {
        let h = try Harness()
        try h.deliver("f00.xml", "<file>f00.xml</file>")
        let threads = Threads()
        let probe = Self.probe(threads, onFirstCommit: { _ in throw TaskError.conflict("sent meanwhile") })
        let config = try h.writeConfig(stage: BlockingTaskTests.stage, settle: 0)
        let report = await (try h.load(config, registry: BlockingCopyTask.registry(probe))).drain()
        #expect(report.processed == 1)
        try BlockingTaskTests.expectPublished(h, ["f00.xml"])
        #expect(probe.runs == ["f00.xml": 2])
        #expect(h.files(in: h.inbox) == [])
    }

    @Test func aLoneFileWhoseCommitFailsStaysClaimedAndTheNextRunPublishesIt() async throws {
        let h = try Harness()
        try h.deliver("f00.xml", "<file>f00.xml</file>")
        let probe = Probe(onFirstCommit: { _ in throw TaskError.transient("the store blinked") })
        let config = try h.writeConfig(stage: BlockingTaskTests.stage, settle: 0)
        let first = await (try h.load(config, registry: BlockingCopyTask.registry(probe), drainAttempts: 1)).drain()
        #expect(first.processed == 0)
        #expect(h.files(in: h.outbox) == [])
        // The journal keeps the claim, not the commit that failed: a committed row would be published from
        // temporaries the failure deleted, and the file archived with no output.
        let rows = try await StateStore(path: h.root.appendingPathComponent("state/ferry.sqlite").path, migrations: [])
            .read { db in try String.fetchAll(db, sql: "SELECT state FROM pipeline_runs") }
        #expect(rows == ["claimed"])
        let second = await (try h.load(config, registry: BlockingCopyTask.registry(probe), drainAttempts: 1)).drain()
        #expect(second.processed == 1)
        try BlockingTaskTests.expectPublished(h, ["f00.xml"])
        #expect(probe.runs == ["f00.xml": 2])
    }

    @Test func aStageIsNotIdleWhileALoneFileRuns() async throws {
        let h = try Harness()
        let started = Mutex(false)
        let release = Mutex(false)
        let probe = Probe(beforeWriting: { _ in
            started.withLock { $0 = true }
            while !release.withLock({ $0 }) { usleep(1_000) }
        })
        _ = try h.writeConfig(stage: BlockingTaskTests.stage, settle: 0)
        try await h.startWatching(registry: BlockingCopyTask.registry(probe))
        // Renamed in, as a sender should. An event handled before the claim's rename can still leave the name
        // settling; the listing below forgets it, as a drain's does.
        let staged = h.root.appendingPathComponent("f00.xml")
        try Data("<file>f00.xml</file>".utf8).write(to: staged)
        #expect(rename(staged.path, h.inbox.appendingPathComponent("f00.xml").path) == 0)
        let deadline = ContinuousClock.now + .seconds(30)
        while !started.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        // The file is in the work area, neither settling nor ready: only the job in hand tells a drain to wait.
        let runner = try #require(h.pipeline.fileRunners.first)
        // As a drain asks: after a listing.
        await runner.handle(FolderEvent(folder: runner.folder.standardizedFileURL.path, name: nil, kind: .rescan))
        #expect(await runner.isIdle(includingRetries: true) == false)
        release.withLock { $0 = true }
        let output = h.outbox.appendingPathComponent("f00.xml").path
        while !FileManager.default.fileExists(atPath: output), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        await h.stop()
        try BlockingTaskTests.expectPublished(h, ["f00.xml"])
    }
}

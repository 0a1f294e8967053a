@testable import FerryPipeline
import Foundation
import Synchronization
import Testing

/// A burst is claimed ``FileStageRunner/claimLimit`` files at a time, the next files while the batch before them
/// runs (`FileStageRunner+Claim.swift`): the tasks start before the whole burst is claimed, and every file is still
/// published once.
@Suite(.serialized) struct ClaimAheadTests {
    typealias Probe = BlockingTaskTests.Probe
    typealias BlockingCopyTask = BlockingTaskTests.BlockingCopyTask

    @Test func aBurstLargerThanAClaimStartsRunningBeforeItIsAllClaimedAndIsPublishedOnce() async throws {
        let h = try Harness()
        let count = FileStageRunner.claimLimit * 2 + 88
        var names: [String] = []
        for number in 0..<count {
            let name = String(format: "f%03d.xml", number)
            try h.deliver(name, "<file>\(name)</file>")
            names.append(name)
        }
        // How many files were still in the inbox, unclaimed, when the first task ran.
        let unclaimedAtFirstRun = Mutex<Int?>(nil)
        let inbox = h.inbox
        let probe = Probe(beforeWriting: { _ in
            unclaimedAtFirstRun.withLock { seen in
                if seen == nil { seen = h.files(in: inbox).count }
            }
        })
        let config = try h.writeConfig(stage: BlockingTaskTests.stage, settle: 0)
        let report = await (try h.load(config, registry: BlockingCopyTask.registry(probe))).drain()
        #expect(report.processed == count)
        try BlockingTaskTests.expectPublished(h, names)
        #expect(probe.runs.count == count && probe.runs.values.allSatisfy { $0 == 1 })
        // Claimed all at once, none would be left; the first claim takes claimLimit files.
        let unclaimed = try #require(unclaimedAtFirstRun.withLock { $0 })
        #expect(unclaimed > 0 && unclaimed <= count - FileStageRunner.claimLimit)
        #expect(h.files(in: h.inbox).isEmpty)
    }

    @Test func aBurstDeliveredToTheWatcherIsPublishedOnceWithNothingLeftClaimed() async throws {
        let h = try Harness()
        let probe = Probe()
        _ = try h.writeConfig(stage: BlockingTaskTests.stage, settle: 0)
        try await h.startWatching(registry: BlockingCopyTask.registry(probe))
        let names = try BlockingTaskTests.deliver(h, count: 99) + (0..<(FileStageRunner.claimLimit + 1)).map { number in
            let name = "g\(1000 + number).xml"
            try h.deliver(name, "<file>\(name)</file>")
            return name
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while h.files(in: h.outbox).count < names.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        await h.stop()
        try BlockingTaskTests.expectPublished(h, names.sorted())
        #expect(probe.runs.count == names.count && probe.runs.values.allSatisfy { $0 == 1 })
        #expect(h.files(in: h.inbox).isEmpty)
        #expect(h.allFiles(under: h.inbox.appendingPathComponent(".ferry-work")).isEmpty)
    }
}

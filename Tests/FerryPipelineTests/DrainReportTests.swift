@testable import FerryPipeline
import Foundation
import Testing

/// What `ferry run --stage` reports: the chosen stages' runs only.
@Suite(.serialized) struct DrainReportTests {
    @Test func theReportCountsOnlyTheChosenStages() async throws {
        let h = try Harness()
        let second = h.root.appendingPathComponent("inbox/second")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        let config = try h.writeConfig(stage: """
            { "name": "map", "watch": "inbox/in", "task": "copy", "outputs": { "out": "outbox/out" } },
            { "name": "second", "watch": "inbox/second", "task": "copy", "outputs": { "out": "outbox/out" } }
            """, settle: 0)
        try h.deliver("a.xml", Harness.order(1))
        try h.deliver("b.xml", Harness.order(2), into: second)
        try h.deliver("c.xml", Harness.order(3), into: second)
        let pipeline = try h.load(config, registry: TaskRegistry([CopyTask.kind]))
        let started = Date().timeIntervalSince1970 - 1
        let all = await pipeline.drain()
        #expect(all.processed == 3)
        // Runs of another stage that finished meanwhile are not the chosen stage's.
        #expect(await pipeline.report(stages: ["map"], since: started).processed == 1)
        #expect(await pipeline.report(stages: ["second"], since: started).processed == 2)
    }
}

import FerryPipeline
import Logging
import Testing

@testable import FerryObservability

/// Which counters raise an alert is the task kind's declaration (`TaskKind.alertCounters`), not a name the alert
/// code knows.
@Suite("Alert counters")
struct AlertCountersTests {
    @Test("Only the counters a stage's task kind declares raise an alert, summed per file")
    func declaredCountersOnly() async throws {
        let channel = FlakyChannel()
        let observer = AlertObserver(
            channels: [channel], host: "test-host",
            alertCounters: ["report": ["orders.sage-failed", "orders.refused"], "map": []],
            logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        // A stage whose kind declares nothing: the same counter name is only a figure.
        observer.fileProcessed(stage: "map", file: "a.xml", seconds: 1, counters: ["orders.sage-failed": 3])
        observer.fileProcessed(stage: "unknown", file: "b.xml", seconds: 1, counters: ["orders.sage-failed": 3])
        observer.fileProcessed(stage: "report", file: "c.xml", seconds: 1, counters: ["orders.mapped": 5])
        #expect(observer.pending == 0)
        observer.fileProcessed(stage: "report", file: "d.xml", seconds: 1, counters: ["orders.sage-failed": 2, "orders.refused": 1])
        observer.scheduledRunFinished(stage: "report", counters: ["orders.refused": 4], seconds: 1, error: nil)
        #expect(observer.pending == 2)
        // The flaky channel refuses the first delivery and takes the second.
        await observer.flush()
        await observer.flush()
        let sent = try #require(channel.sent.first)
        #expect(sent.rejected.map(\.file) == ["d.xml", "(scheduled run)"])
        #expect(sent.rejected.map(\.orders) == [3, 4])
    }
}

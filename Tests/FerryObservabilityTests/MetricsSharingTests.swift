import FerryPipeline
import FerryTestSupport
import Foundation
import Logging
import Testing

@testable import FerryObservability

/// The metrics file stays true when several observers write it: after a drain, across processes (`ferry download`
/// beside `ferry run`), across quick reloads, and after a process died mid-write.
@Suite("Metrics shared by processes")
struct MetricsSharingTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("After a drain nothing is counted as claimed")
    func claimedBackToZeroAfterDrain() async throws {
        try await withTemporaryDirectory { root in
            let config = try loadConfig(root: root, extra: "")
            let file = root.appendingPathComponent("state/ferry.prom")
            let metrics = MetricsObserver(file: file, stages: ["probe"], requests: nil, logger: Self.quiet)
            for index in 0..<3 { try Data("ok".utf8).write(to: root.appendingPathComponent("inbox/in/\(index).xml")) }
            let pipeline = try Pipeline(config: config, registry: TaskRegistry([ProbeTask.kind]), logger: Self.quiet, observers: [metrics])
            let report = await pipeline.drain()
            #expect(report.processed == 3)
            await metrics.flush()
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.contains(#"ferry_queue_claimed_files{stage="probe"} 0"# + "\n"), "\(text)")
            #expect(text.contains(#"ferry_queue_waiting_files{stage="probe"} 0"# + "\n"), "\(text)")
        }
    }

    @Test("A second process's observer keeps the first one's stages: counters and last success")
    func downloadKeepsTheOtherStages() async throws {
        try await withTemporaryDirectory { root in
            let file = root.appendingPathComponent("ferry.prom")
            let stages = ["map-orders", "download-orders"]
            // `ferry run` (the path unit) processed files and wrote the file.
            let drain = MetricsObserver(file: file, stages: stages, requests: nil, logger: Self.quiet)
            drain.fileProcessed(stage: "map-orders", file: "a.xml", seconds: 0.5, counters: ["orders.mapped": 3])
            drain.fileProcessed(stage: "map-orders", file: "b.xml", seconds: 0.5, counters: ["orders.mapped": 2])
            await drain.flush()
            let before = MetricsObserver.samples(in: file)
            let lastSuccess = try #require(before.first { $0.name == "ferry_last_success_timestamp_seconds" && $0.labels["stage"] == "map-orders" })

            // Then the download timer's own process writes it twice, once at its start and once after its run.
            let download = MetricsObserver(file: file, stages: stages, requests: nil, logger: Self.quiet)
            download.scheduledRunFinished(stage: "download-orders", counters: ["orders.downloaded": 7], seconds: 1, error: nil)
            await download.flush()
            // Meanwhile the drain ran again: the download's next write keeps that too.
            drain.fileProcessed(stage: "map-orders", file: "c.xml", seconds: 0.5, counters: ["orders.mapped": 1])
            await drain.flush()
            download.scheduledRunFinished(stage: "download-orders", counters: ["orders.downloaded": 1], seconds: 1, error: nil)
            await download.flush()

            let text = try String(contentsOf: file, encoding: .utf8)
            for line in [
                #"ferry_files_processed_total{stage="map-orders"} 3"#,
                #"ferry_task_events_total{stage="map-orders",name="orders.mapped"} 6"#,
                #"ferry_task_events_total{stage="download-orders",name="orders.downloaded"} 8"#,
                #"ferry_scheduled_runs_total{stage="download-orders",outcome="success"} 2"#,
            ] {
                #expect(text.contains(line + "\n"), "missing: \(line)\n\(text)")
            }
            let after = MetricsObserver.samples(in: file)
            let kept = try #require(after.first { $0.name == "ferry_last_success_timestamp_seconds" && $0.labels["stage"] == "map-orders" })
            #expect(kept.value >= lastSuccess.value)
            // A later `ferry download` process starts from the file: its counters continue rather than reset.
            let next = MetricsObserver(file: file, stages: stages, requests: nil, logger: Self.quiet)
            next.scheduledRunFinished(stage: "download-orders", counters: ["orders.downloaded": 2], seconds: 1, error: nil)
            await next.flush()
            #expect(try String(contentsOf: file, encoding: .utf8).contains(#"ferry_task_events_total{stage="download-orders",name="orders.downloaded"} 10"#))
        }
    }

    @Test("100 quick reloads: observers writing at once never share a temporary, no write fails")
    func quickReloadsNeverFailAWrite() async throws {
        try await withTemporaryDirectory { root in
            let file = root.appendingPathComponent("ferry.prom")
            let logs = LogCapture()
            // Each SIGHUP builds a new observer while the previous one may still be writing.
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let metrics = MetricsObserver(file: file, stages: ["probe"], requests: nil, logger: logs.logger)
                        metrics.fileProcessed(stage: "probe", file: "\(index).xml", seconds: 0.01, counters: [:])
                        await metrics.flush()
                    }
                }
            }
            #expect(!logs.text.contains("cannot write"), "\(logs.text.prefix(2000))")
            let names = try FileManager.default.contentsOfDirectory(atPath: root.path)
            #expect(names == ["ferry.prom"], "no temporary left: \(names)")
        }
    }

    @Test("Temporaries of dead processes are removed at start; a live process's are kept")
    func staleTemporariesOfDeadProcessesAreRemoved() async throws {
        try await withTemporaryDirectory { root in
            let file = root.appendingPathComponent("ferry.prom")
            // A PID that surely ended: a child that exited and was reaped.
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/bin/true")
            try child.run()
            child.waitUntilExit()
            let dead = child.processIdentifier
            let stale = [".ferry.prom.\(dead).tmp", ".ferry.prom.\(dead).12345.tmp"]
            let live = ".ferry.prom.\(getpid()).999.tmp"
            for name in stale + [live] { try Data("half".utf8).write(to: root.appendingPathComponent(name)) }
            let logs = LogCapture()
            _ = MetricsObserver(file: file, stages: ["probe"], requests: nil, logger: logs.logger)
            let names = Set(try FileManager.default.contentsOfDirectory(atPath: root.path))
            #expect(names == [live], "\(names)")
            #expect(logs.text.contains("removed metrics temporaries"))
        }
    }
}

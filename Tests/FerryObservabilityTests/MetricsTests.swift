import CoreMetrics
import FerryPipeline
import FerryTestSupport
import FerryValues
import Foundation
import Logging
import MagentoConnector
import Testing

@testable import FerryObservability

@Suite("Metrics")
struct MetricsTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("The text file holds every family, per stage, in valid exposition format, with no temp file left")
    func textFile() async throws {
        try await withTemporaryDirectory { root in
            let file = root.appendingPathComponent("state/ferry.prom")
            let requests = MagentoRequestFigures()
            let metrics = MetricsObserver(file: file, stages: ["map-orders", "idle"], requests: requests, logger: Self.quiet)
            metrics.fileProcessed(stage: "map-orders", file: "a.xml", seconds: 0.5, counters: ["orders.mapped": 3, "orders.failed": 1])
            metrics.fileProcessed(stage: "map-orders", file: "b.xml", seconds: 0.25, counters: ["orders.mapped": 2])
            metrics.fileQuarantined(stage: "map-orders", file: "c.xml", reason: "bad", failedPath: "failed/map-orders/c.xml")
            metrics.transientFailure(stage: "update", file: "d.xml", reason: "503")
            metrics.scheduledRunFinished(stage: "download", counters: ["orders.downloaded": 7], seconds: 2, error: nil)
            metrics.scheduledRunFinished(stage: "download", counters: [:], seconds: 2, error: "timeout")
            metrics.queueDepth(stage: "map-orders", waiting: 4, claimed: 1)
            // Two GET attempts as the Magento client records them (MagentoRequestMetrics): 70 ms, then 3 s, failed, retried.
            let get = [("method", "GET")]
            Timer(label: "ferry_magento_request_duration_seconds", dimensions: get, factory: requests).recordNanoseconds(70_000_000)
            Timer(label: "ferry_magento_request_duration_seconds", dimensions: get, factory: requests).recordNanoseconds(3_000_000_000)
            Counter(label: "ferry_magento_request_errors_total", dimensions: get, factory: requests).increment()
            Counter(label: "ferry_magento_request_retries_total", dimensions: get, factory: requests).increment()
            await metrics.flush()

            let text = try String(contentsOf: file, encoding: .utf8)
            for line in [
                #"ferry_files_processed_total{stage="map-orders"} 2"#,
                #"ferry_files_processed_total{stage="idle"} 0"#,
                #"ferry_files_failed_total{stage="map-orders"} 1"#,
                #"ferry_file_processing_seconds_total{stage="map-orders"} 0.75"#,
                #"ferry_task_events_total{stage="map-orders",name="orders.mapped"} 5"#,
                #"ferry_task_events_total{stage="map-orders",name="orders.failed"} 1"#,
                #"ferry_task_events_total{stage="download",name="orders.downloaded"} 7"#,
                #"ferry_queue_waiting_files{stage="map-orders"} 4"#,
                #"ferry_queue_claimed_files{stage="map-orders"} 1"#,
                #"ferry_transient_failures_total{stage="update"} 1"#,
                #"ferry_scheduled_runs_total{stage="download",outcome="failure"} 1"#,
                #"ferry_scheduled_runs_total{stage="download",outcome="success"} 1"#,
                #"ferry_magento_request_duration_seconds_bucket{method="GET",le="0.05"} 0"#,
                #"ferry_magento_request_duration_seconds_bucket{method="GET",le="0.1"} 1"#,
                #"ferry_magento_request_duration_seconds_bucket{method="GET",le="5"} 2"#,
                #"ferry_magento_request_duration_seconds_bucket{method="GET",le="+Inf"} 2"#,
                #"ferry_magento_request_duration_seconds_count{method="GET"} 2"#,
                #"ferry_magento_request_errors_total{method="GET"} 1"#,
                #"ferry_magento_request_retries_total{method="GET"} 1"#,
            ] {
                #expect(text.contains(line + "\n"), "missing: \(line)")
            }
            #expect(text.contains("ferry_last_success_timestamp_seconds{stage=\"map-orders\"} "))
            #expect(text.contains("ferry_last_success_timestamp_seconds{stage=\"download\"} "))
            try Self.checkFormat(text)
            let names = try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path)
            #expect(names == ["ferry.prom"])
        }
    }

    /// Every line is a HELP/TYPE comment or `name{labels} value`; each family declared once before its samples.
    static func checkFormat(_ text: String) throws {
        let sample = try Regex(#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$"#)
        var declared = Set<String>()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.split(separator: " ")[2])
                #expect(declared.insert(name).inserted, "TYPE twice: \(name)")
            } else if line.hasPrefix("# HELP ") {
                continue
            } else {
                let match = try #require(try sample.wholeMatch(in: String(line)), "bad line: \(line)")
                let name = String(match.output[1].substring ?? "")
                let family = ["_bucket", "_sum", "_count"].reduce(name) { name, suffix in
                    declared.contains(name) || !name.hasSuffix(suffix) ? name : String(name.dropLast(suffix.count))
                }
                #expect(declared.contains(family), "sample before its TYPE: \(line)")
            }
        }
    }

    @Test("Label values are escaped")
    func escaping() {
        #expect(MetricsObserver.labels(["stage": "a\"b\\c\nd"]) == #"{stage="a\"b\\c\nd"}"#)
        #expect(MetricsObserver.number(3) == "3")
        #expect(MetricsObserver.number(0.25) == "0.25")
    }

    @Test("A burst of events costs a handful of writes, not one each (at most one per second, plus flush)")
    func throttled() async throws {
        try await withTemporaryDirectory { root in
            let file = root.appendingPathComponent("ferry.prom")
            let metrics = MetricsObserver(file: file, requests: nil, logger: Self.quiet)
            for index in 0..<2_000 {
                metrics.fileProcessed(stage: "map", file: "\(index).xml", seconds: 0.001, counters: [:])
            }
            await metrics.flush()
            #expect(metrics.writes <= 5)
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.contains(#"ferry_files_processed_total{stage="map"} 2000"#))
        }
    }

    @Test("An unwritable folder is a logged warning naming the file, not a crash")
    func unwritable() async throws {
        try await withTemporaryDirectory { root in
            let blocker = root.appendingPathComponent("not-a-folder")
            try Data("x".utf8).write(to: blocker)
            let logs = LogCapture()
            let metrics = MetricsObserver(file: blocker.appendingPathComponent("ferry.prom"), requests: nil, logger: logs.logger)
            await metrics.flush()
            #expect(logs.text.contains("cannot write the metrics file"))
            #expect(logs.text.contains("not-a-folder/ferry.prom"))
        }
    }

    @Test("MagentoClient records each attempt through swift-metrics: latency histogram, errors and retries")
    func magentoRequestFigures() async throws {
        let http = try HTTPSink(statuses: [(503, #"{"message":"busy"}"#)])
        defer { http.stop() }
        try await withTemporaryDirectory { root in
            let requests = MagentoRequestFigures()
            let metrics = MetricsObserver(file: root.appendingPathComponent("m.prom"), requests: requests, logger: Self.quiet)
            let client = MagentoClient(
                configuration: MagentoConfiguration(
                    baseURL: "http://127.0.0.1:\(http.port)", auth: .bearer("magento-token-123456"),
                    retry: RetryPolicy(maxAttempts: 3, initial: .milliseconds(10), maximum: .milliseconds(20))),
                logger: Self.quiet, metrics: requests)
            _ = try await client.send("PUT", "/orders/1")
            #expect(http.received.count == 2)
            let text = metrics.text
            #expect(text.contains(#"ferry_magento_request_duration_seconds_count{method="PUT"} 2"#))
            #expect(text.contains(#"ferry_magento_request_retries_total{method="PUT"} 1"#))
            #expect(text.contains(#"ferry_magento_request_errors_total{method="PUT"} 1"#))
            #expect(!text.contains("magento-token-123456"))

            // A SIGHUP reload makes a new observer: the process's figures carry on in it.
            let reloaded = MetricsObserver(file: root.appendingPathComponent("m.prom"), requests: requests, logger: Self.quiet)
            #expect(reloaded.text.contains(#"ferry_magento_request_duration_seconds_count{method="PUT"} 2"#))
        }
    }
}

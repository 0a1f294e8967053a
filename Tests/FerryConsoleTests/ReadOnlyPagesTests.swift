import FerryConsole
import FerryObservability
import FerryPipeline
import FerryState
import FerryTestSupport
import Foundation
import MagentoConnector
import GRDB
import Testing

/// The read-only pages show what the status report, the journal and the ledgers say, with JavaScript off.
@Suite struct ReadOnlyPagesTests {
    /// One file processed and one quarantined by a real drain.
    func drained(_ fixture: ConsoleFixture) async throws {
        let inbox = fixture.root.appendingPathComponent("inbox/in")
        try Data("good".utf8).write(to: inbox.appendingPathComponent("orders-good.xml"))
        try Data("bad".utf8).write(to: inbox.appendingPathComponent("orders-bad.xml"))
        let report = await fixture.pipeline.drain()
        #expect(report.processed == 1 && report.quarantined == 1)
    }

    @Test func theOverviewShowsEachStageFromTheStatusReport() async throws {
        let fixture = try await ConsoleFixture()
        try await drained(fixture)
        try Data("waiting".utf8).write(to: fixture.root.appendingPathComponent("inbox/in/orders-later.xml"))
        let html = ConsoleFixture.text(try await fixture.get("/"))
        func cell(_ field: String) -> String? {
            html.range(of: #"data-stage="probe" data-field="\#(field)">([^<]*)<"#, options: .regularExpression).map {
                String(html[$0]).components(separatedBy: ">")[1].dropLast().description
            }
        }
        #expect(cell("pending") == "1")
        #expect(cell("inProgress") == "0")
        #expect(cell("processedToday") == "1")
        #expect(cell("quarantined") == "1")
        #expect(cell("health") == "quarantined")
        #expect(cell("watchMode") == "inotify")
        #expect(cell("lastSuccess")?.hasPrefix("20") == true)
        #expect(html.contains("No scheduled stage."))
        let health = try await fixture.get("/healthz")
        #expect(health.status == 200)
        #expect(ConsoleFixture.text(health) == "{\"status\":\"quarantined\"}\n")
        await fixture.close()
    }

    @Test func anOrderIsFoundByEachOfItsNumbersAndByItsCustomer() async throws {
        let fixture = try await ConsoleFixture()
        try fixture.execute(
            """
                INSERT INTO magento_emitted_order (scope, entity_id, updated_at, increment_id, emitted_at)
                VALUES ('download-orders', 42, '2026-11-30 08:00:00', '000000042', '2026-11-30T08:00:05Z');
                INSERT INTO sage_ledger (profile, record_type, external_id, external_ref, internal_id, hash, created, modified)
                VALUES ('magento-sage', 'sales-order', '42', '000000042', '7001', 'h', '2026-11-30T08:00:06Z', '2026-11-30T08:01:00Z');
                """)
        let day = fixture.pipeline.config.archiveFolder.appendingPathComponent("2026-11-30/download-orders")
        try FileManager.default.createDirectory(at: day, withIntermediateDirectories: true)
        let order = "<orders><order><increment_id>000000042</increment_id><entity_id>42</entity_id><customer_email>jane@example.com</customer_email><customer_firstname>Jane</customer_firstname></order></orders>"
        try Data(order.utf8).write(to: day.appendingPathComponent("orders-20261130.xml"))
        try Data("<orders><order><increment_id>000004200</increment_id></order></orders>".utf8).write(to: day.appendingPathComponent("other.xml"))

        for term in ["000000042", "42", "7001", "jane@example.com", "JANE@example.com", "Jane"] {
            let html = ConsoleFixture.text(try await fixture.get("/orders?q=" + ConsoleFixture.encode(term)))
            #expect(html.contains("imported by Sage"), "\(term)")
            #expect(html.contains("as Sage order 7001"), "\(term)")
            if term != "7001" {
                #expect(html.contains(">orders-20261130.xml</a>"), "\(term) finds the archived file")
            }
            #expect(!html.contains(">other.xml</a>"), "\(term) must not find order 000004200")
        }
        let none = ConsoleFixture.text(try await fixture.get("/orders?q=999999"))
        #expect(none.contains("No ledger row"))
        let form = ConsoleFixture.text(try await fixture.get("/orders"))
        #expect(form.contains("<form method=\"get\" action=\"/orders\""))
        await fixture.close()
    }

    /// A stage meeting transient failures is degraded: the overview says why, `/healthz` answers 503 so a load
    /// balancer or a systemd check notices; the download watermark is shown where the next download starts.
    @Test func aDegradedStageShowsItsErrorAndFailsTheHealthCheck() async throws {
        let fixture = try await ConsoleFixture()
        try fixture.execute(
            """
                INSERT INTO pipeline_runs (stage, runID, originalName, folder, state, attempts, lastError, claimedAt)
                VALUES ('probe', 'r1', 'orders-1.xml', 'inbox/in', 'claimed', 2, 'Magento <answered> 503: retrying', 1);
                INSERT INTO magento_download_watermark (scope, updated_at) VALUES ('download-orders', '2026-11-30 07:59:00');
                """)
        let html = ConsoleFixture.text(try await fixture.get("/"))
        #expect(html.contains(#"data-field="health">degraded</span>"#))
        #expect(html.contains(#"data-field="lastError">Magento &lt;answered&gt; 503: retrying</td>"#))
        #expect(html.contains("<td>download-orders</td><td>2026-11-30 07:59:00</td>"))
        let health = try await fixture.get("/healthz")
        #expect(health.status == 503)
        #expect(ConsoleFixture.text(health) == "{\"status\":\"degraded\"}\n")
        await fixture.close()
    }

    @Test func runsShowTheJournalAndTheLastStockUploads() async throws {
        let fixture = try await ConsoleFixture()
        try await drained(fixture)
        try fixture.execute("INSERT INTO magento_stock_level (scope, sku, qty, is_in_stock, uploaded_at) VALUES ('upload-inventory', 'SKU-<1>', '12.5', 1, '2026-11-30T08:00:00Z')")
        let html = ConsoleFixture.text(try await fixture.get("/runs"))
        #expect(html.contains("<td>orders-good.xml</td><td>done</td>"))
        #expect(html.contains("<td>orders-bad.xml</td><td>failed</td>"))
        #expect(html.contains("orders.mapped 1"))
        #expect(html.contains("<td>SKU-&lt;1&gt;</td><td class=\"num\">12.5</td><td>yes</td>"))
        await fixture.close()
    }

    /// `/metrics` serves the running metrics observer's figures: the same text it writes to the file.
    @Test func metricsAreTheTextFilesFigures() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-console-metrics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let quiet = LogCapture().logger
        let observer = MetricsObserver(file: folder.appendingPathComponent("ferry.prom"), stages: ["probe"], requests: nil, logger: quiet)
        observer.fileProcessed(stage: "probe", file: "a.xml", seconds: 0.5, counters: ["orders.mapped": 2])
        let fixture = try await ConsoleFixture(metrics: { observer.text })
        await observer.flush()
        let response = try await fixture.get("/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let served = ConsoleFixture.text(response)
        let written = try String(contentsOf: observer.file, encoding: .utf8)
        #expect(served == written)
        #expect(served.contains("ferry_files_processed_total{stage=\"probe\"} 1"))
        let without = try await ConsoleFixture()
        #expect(try await without.get("/metrics").status == 404)
        await without.close()
        await fixture.close()
    }
}

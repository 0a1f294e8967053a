import FerryConsole
import FerryDemo
import FerryPipeline
import FerryStages
import FerryState
import FerryTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// The console as a person uses it, in headless Chromium: the demo's orders (one imported, one refused by Sage
/// with its reason), a quarantined file retried and flowing through. Screenshots go to `.build/test-output/console/` (with `FERRY_WRITE_SCREENSHOTS=1` also to
/// docs/console/, for docs/console.md). Without Chromium the test says so and passes, except in CI.
@Suite(.serialized) struct BrowserTests {
    static let output = packageRoot.appendingPathComponent(".build/test-output/console")

    @Test func anOperatorFollowsAnOrderAndRetriesAQuarantinedFile() async throws {
        guard WebDriver.available else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("chromium and chromium-driver are missing: run scripts/install-deps --test")
            } else {
                print("skipped: chromium or chromedriver is not installed (scripts/install-deps --test installs them)")
            }
            return
        }
        let quiet = Logger(label: "browser", factory: { _ in SwiftLogNoOpLogHandler() })
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-browser-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // EUR orders go to an account Sage holds in GBP: the Sage stand-in refuses them, as Sage 50 would.
        let shipped = try String(contentsOf: packageRoot.appendingPathComponent("config.json"), encoding: .utf8)
        let accounts = #""guestAccountByCurrency": { "EUR": "WEBEUR", "USD": "WEBUSD" }"#
        #expect(shipped.contains(accounts))
        try Data(shipped.replacingOccurrences(of: accounts, with: #""guestAccountByCurrency": { "USD": "WEBUSD" }"#).utf8)
            .write(to: root.appendingPathComponent("config.json"))
        var (config, _) = try ConfigLoader.load(file: root.appendingPathComponent("config.json"), registry: BuiltinTasks.registry, checkFolders: false)
        for folder in config.stages.flatMap({ [$0.watch].compactMap { $0 } + Array($0.outputs.values) }) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        // The demo: orders downloaded from the Magento stand-in, mapped, imported by the Sage stand-in, updated.
        var options = DemoWorkflow.Options()
        options.initialOrders = 6
        options.sandboxPort = 0
        let demo = try DemoWorkflow(config: config, options: options, logger: quiet)
        let summary = try await demo.runOnce()
        #expect(summary.imported > 0)
        let rejected = try #require(summary.sageRejections.first, "the demo's EUR orders are refused by Sage")
        config = demo.config
        let pipeline = try Pipeline(config: config, registry: BuiltinTasks.registry, logger: quiet)
        let imported = try await pipeline.store.read { db in
            try Row.fetchOne(db, sql: "SELECT external_ref, internal_id FROM sage_ledger WHERE internal_id IS NOT NULL ORDER BY external_ref LIMIT 1")
                .map { ($0["external_ref"] as String, $0["internal_id"] as String) }
        }
        let (increment, sageNumber) = try #require(imported)
        // A broken order file arrives and is quarantined by the engine.
        let inbox = try #require(config.stages.first { $0.name == "map-orders" }?.watch)
        try Data("<orders><order><increment_id>broken".utf8).write(to: inbox.appendingPathComponent("orders-broken.xml"))
        #expect(await pipeline.drain().quarantined == 1)

        let console = try ConsoleService(settings: ConsoleSettings(), pipeline: { pipeline }, logger: quiet)
        let base = "http://127.0.0.1:\(try await console.start())"
        let browser = try await WebDriver()
        do {
            // Overview: map-orders is quarantined.
            try await browser.open(base + "/")
            #expect(try await browser.text("[data-stage=\"map-orders\"][data-field=\"health\"]").lowercased() == "quarantined")
            #expect(try await browser.text("[data-stage=\"map-orders\"][data-field=\"quarantined\"]") == "1")
            // The download stage's schedule and where the next download starts.
            #expect(try await browser.text("#schedules").contains("download-orders"))
            #expect(!(try await browser.text("#watermarks").contains("No download has run yet")))
            try await shoot(browser, "overview")

            // Orders: search the demo's order, see Sage's number.
            try await browser.open(base + "/orders")
            try await browser.type(increment, into: "input[name=q]")
            try await browser.click("#search button")
            #expect(try await browser.text("#facts").contains("as Sage order \(sageNumber)"))
            #expect(try await browser.text("#files").contains("map-orders"))
            try await shoot(browser, "orders")

            // Orders refused on the way: listed before a search; the order's search says who refused it and why.
            try await browser.open(base + "/orders")
            #expect(try await browser.text("#refusals").contains(rejected.order))
            try await browser.click("#refusals a[href=\"/orders?q=\(rejected.order)\"]")
            let facts = try await browser.text("#facts")
            #expect(facts.contains("refused by Sage"))
            for description in rejected.reason.components(separatedBy: "; ") {
                #expect(facts.contains(description), "\(facts)")
            }
            try await shoot(browser, "refused")

            // Quarantine: open the file, read why, fix it (as an operator would on disk), press Retry.
            try await browser.open(base + "/quarantine")
            #expect(try await browser.text("#quarantine").contains("orders-broken.xml"))
            try await shoot(browser, "quarantine")
            try await browser.click("#quarantine a")
            #expect(try await browser.text("#reason").contains("reason:"))
            #expect(try await browser.text("#content").contains("<increment_id>broken"))
            try await shoot(browser, "file")
            let failed = config.failedFolder.appendingPathComponent("map-orders/orders-broken.xml")
            // The fix: the download's file again (its orders are in the ledger, so the mapping skips them as sent).
            let archived = try #require(FileManager.default.enumerator(at: config.archiveFolder, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.first { $0.deletingLastPathComponent().lastPathComponent == "map-orders" })
            try Data(contentsOf: archived).write(to: failed)
            try await browser.click("#retry")
            #expect(try await browser.text("#message").contains("is back in its stage"))
            #expect(try await browser.currentURL.hasSuffix("/quarantine?done=retry&file=orders-broken.xml"))

            // The file flows: processed, nothing quarantined any more; the runs page lists it.
            #expect(await pipeline.drain().processed >= 1)
            try await browser.open(base + "/")
            #expect(try await browser.text("[data-stage=\"map-orders\"][data-field=\"quarantined\"]") == "0")
            #expect(try await browser.text("#overall").lowercased() == "ok")
            try await browser.open(base + "/runs")
            #expect(try await browser.text("[data-stage=\"map-orders\"]").contains("orders-broken.xml done"))
            try await shoot(browser, "runs")
        } catch {
            let page = (try? await browser.source) ?? "(no page)"
            Issue.record("browser step failed: \(error)\nat \((try? await browser.currentURL) ?? "?"):\n\(page.prefix(3000))")
        }
        await browser.quit()
        await console.stop()
    }

    /// Saves a screenshot to the test output folder (and to docs/console/ when asked).
    func shoot(_ browser: WebDriver, _ name: String) async throws {
        let file = Self.output.appendingPathComponent("\(name).png")
        try await browser.screenshot(to: file)
        if ProcessInfo.processInfo.environment["FERRY_WRITE_SCREENSHOTS"] == "1" {
            let docs = packageRoot.appendingPathComponent("docs/console/\(name).png")
            try FileManager.default.createDirectory(at: docs.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: docs)
            try FileManager.default.copyItem(at: file, to: docs)
        }
    }
}

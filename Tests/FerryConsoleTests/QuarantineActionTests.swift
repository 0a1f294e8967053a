import FerryConsole
import FerryPipeline
import FerryTestSupport
import Foundation
import MagentoConnector
import Testing

/// Retry (the same operation as `ferry retry`) and Dismiss (to the archive with a note), each logged with who
/// and what.
@Suite struct QuarantineActionTests {
    @Test func retryPutsTheFileBackAndItFlows() async throws {
        let fixture = try await ConsoleFixture()
        // The operator fixed the file in place; the reason file still says why it failed.
        let file = try fixture.quarantine("orders-7.xml", content: "fixed now")
        let page = try await fixture.get("/quarantine")
        let html = ConsoleFixture.text(page)
        #expect(html.contains(">orders-7.xml</a>"))
        #expect(html.contains("line 1: not XML"))
        let (cookie, token) = try #require(fixture.csrf(from: page))
        let response = try await fixture.post("/quarantine/retry", form: [("path", file.path), ("csrf", token)], headers: [("Cookie", cookie)])
        #expect(response.status == 303)
        #expect(response.headers["location"] == "/quarantine?done=retry&file=orders-7.xml")
        #expect(FileManager.default.fileExists(atPath: fixture.root.appendingPathComponent("inbox/in/orders-7.xml").path))
        #expect(!FileManager.default.fileExists(atPath: file.path + ".error.txt"))
        let report = await fixture.pipeline.drain()
        #expect(report.processed == 1)
        let after = ConsoleFixture.text(try await fixture.get("/quarantine?done=retry&file=orders-7.xml", headers: [("Cookie", cookie)]))
        #expect(after.contains("Nothing is quarantined."))
        #expect(after.contains("“orders-7.xml” is back in its stage&#39;s folder"))
        #expect(fixture.log.text.contains("retried a quarantined file ferry.action=retry ferry.file=\(file.path)"))
        #expect(fixture.log.text.contains("ferry.user=local"))
        await fixture.close()
    }

    @Test func dismissArchivesTheFileWithItsReasonAndTheNote() async throws {
        let fixture = try await ConsoleFixture()
        let file = try fixture.quarantine("orders-8.xml", content: "bad", reason: "line 1: not XML at all")
        let page = try await fixture.get("/quarantine")
        let (cookie, token) = try #require(fixture.csrf(from: page))
        let response = try await fixture.post(
            "/quarantine/dismiss", form: [("path", file.path), ("csrf", token), ("note", "test order, cancelled in Magento")],
            headers: [("Cookie", cookie)])
        #expect(response.status == 303)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(!FileManager.default.fileExists(atPath: file.path + ".error.txt"))
        let archive = fixture.pipeline.config.archiveFolder
        let days = try FileManager.default.contentsOfDirectory(atPath: archive.path)
        let folder = archive.appendingPathComponent(try #require(days.first)).appendingPathComponent("probe")
        #expect(try String(contentsOf: folder.appendingPathComponent("orders-8.xml"), encoding: .utf8) == "bad")
        let note = try String(contentsOf: folder.appendingPathComponent("orders-8.xml.dismissed.txt"), encoding: .utf8)
        #expect(note.contains("by local"))
        #expect(note.contains("note: test order, cancelled in Magento"))
        #expect(note.contains("reason: line 1: not XML at all"))
        #expect(fixture.log.text.contains("dismissed a quarantined file ferry.action=dismiss"))
        #expect(fixture.log.text.contains("ferry.note=test order, cancelled in Magento"))
        await fixture.close()
    }
}

import FerryConsole
import Foundation
import MagentoConnector
import Testing

/// Nothing in the console reads outside ferry's folders: `..` (plain and percent-encoded), encoded slashes,
/// symbolic links, absolute paths elsewhere, folders; and a file it may show is shown escaped.
@Suite struct PathTraversalTests {
    static let secret = "TOP-SECRET-OUTSIDE-FERRY"

    @Test func filesOutsideFerrysFoldersCannotBeRead() async throws {
        let fixture = try await ConsoleFixture()
        let outside = fixture.root.deletingLastPathComponent().appendingPathComponent("outside-\(UUID().uuidString).txt")
        try Data(Self.secret.utf8).write(to: outside)
        defer { try? FileManager.default.removeItem(at: outside) }
        try Data(Self.secret.utf8).write(to: fixture.root.appendingPathComponent("config.secret"))
        let quarantined = try fixture.quarantine("orders-3.xml", content: "bad")
        let failed = quarantined.deletingLastPathComponent().path
        // A symbolic link inside failed/ to the file outside, and one to a folder outside.
        try FileManager.default.createSymbolicLink(atPath: failed + "/link.xml", withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: failed + "/up", withDestinationPath: fixture.root.path)

        let attempts = [
            "path=" + ConsoleFixture.encode(failed + "/../../config.secret"),
            "path=" + failed + "/%2e%2e/%2e%2e/config.secret",
            "path=" + failed + "%2F..%2F..%2Fconfig.secret",
            "path=" + ConsoleFixture.encode(failed + "/./../../config.secret"),
            "path=" + ConsoleFixture.encode(failed + "//orders-3.xml"),
            "path=" + ConsoleFixture.encode(failed + "/link.xml"),
            "path=" + ConsoleFixture.encode(failed + "/up/config.secret"),
            "path=" + ConsoleFixture.encode(outside.path),
            "path=" + ConsoleFixture.encode(fixture.root.appendingPathComponent("config.secret").path),
            "path=/etc/passwd",
            "path=" + ConsoleFixture.encode(failed),
            "path=config.secret",
            "path=" + ConsoleFixture.encode(failed + "/orders-3.xml\u{0}.txt"),
        ]
        for attempt in attempts {
            let response = try await fixture.get("/file?" + attempt)
            let body = ConsoleFixture.text(response)
            #expect(response.status == 404, "\(attempt): \(response.status)")
            #expect(!body.contains(Self.secret) && !body.contains("root:x:"), "\(attempt) leaked a file")
        }
        // Retry and Dismiss take the same paths and refuse the same way.
        let page = try await fixture.get("/quarantine")
        let (cookie, token) = try #require(fixture.csrf(from: page))
        for action in ["/quarantine/retry", "/quarantine/dismiss"] {
            let response = try await fixture.post(
                action, form: [("path", failed + "/../../config.secret"), ("csrf", token), ("note", "x")], headers: [("Cookie", cookie)])
            #expect(response.status == 404, "\(action)")
        }
        #expect(FileManager.default.fileExists(atPath: fixture.root.appendingPathComponent("config.secret").path))
        #expect(FileManager.default.fileExists(atPath: outside.path))
        await fixture.close()
    }

    @Test func aFileInFerrysFoldersIsShownEscapedAndPaged() async throws {
        let fixture = try await ConsoleFixture()
        let hostile = "<script>alert(1)</script>&\"'" + String(repeating: "x", count: 150_000) + "END-OF-FILE"
        let file = try fixture.quarantine("hostile <b>name<b>.xml", content: hostile, reason: "line 1: <img src=x>")
        let first = try await fixture.get("/file?path=" + ConsoleFixture.encode(file.path))
        let html = ConsoleFixture.text(first)
        #expect(first.status == 200)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"))
        #expect(!html.contains("<script>alert") && !html.contains("<img src=x>") && !html.contains("<b>name<b>"))
        #expect(html.contains("page 1 of 3"))
        #expect(!html.contains("END-OF-FILE"), "a large file is shown one page at a time")
        let last = ConsoleFixture.text(try await fixture.get("/file?path=" + ConsoleFixture.encode(file.path) + "&page=2"))
        #expect(last.contains("END-OF-FILE"))
        #expect(last.contains("page 3 of 3"))
        await fixture.close()
    }
}

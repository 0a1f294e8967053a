import Crypto
import FerryConsole
import FerryPipeline
import FerryTestSupport
import Foundation
import MagentoConnector
import Testing

/// Security headers on every answer, CSRF on every action, authentication when a password is configured.
@Suite struct ConsoleSecurityTests {
    @Test(arguments: ["/", "/orders", "/quarantine", "/runs", "/healthz", "/static/console.css", "/nothing"])
    func everyAnswerCarriesTheSecurityHeaders(path: String) async throws {
        let fixture = try await ConsoleFixture()
        let response = try await fixture.get(path)
        await fixture.close()
        let policy = try #require(response.headers["content-security-policy"])
        #expect(policy.contains("frame-ancestors 'none'"))
        #expect(policy.contains("script-src 'self'"))
        #expect(!policy.contains("unsafe-inline"))
        #expect(response.headers["x-content-type-options"] == "nosniff")
        #expect(response.headers["x-frame-options"] == "DENY")
    }

    @Test func pagesHaveNoInlineScript() async throws {
        let fixture = try await ConsoleFixture()
        for path in ["/", "/orders?q=000000001", "/quarantine", "/runs"] {
            let html = ConsoleFixture.text(try await fixture.get(path))
            #expect(html.contains("<script src=\"/static/console.js\"></script>"), "\(path)")
            #expect(html.components(separatedBy: "<script").count == 2, "\(path) has a second script element")
            #expect(html.range(of: #" on[a-z]+="#, options: .regularExpression) == nil, "\(path) has an inline event handler")
        }
        await fixture.close()
    }

    @Test func anActionWithoutTheFormsTokenIsRefused() async throws {
        let fixture = try await ConsoleFixture()
        let file = try fixture.quarantine("orders-1.xml", content: "bad")
        let page = try await fixture.get("/quarantine")
        let (cookie, token) = try #require(fixture.csrf(from: page))
        // No token at all; a token without the cookie (another site's form); the right pair from another origin.
        let noToken = try await fixture.post("/quarantine/retry", form: [("path", file.path)], headers: [("Cookie", cookie)])
        let noCookie = try await fixture.post("/quarantine/retry", form: [("path", file.path), ("csrf", token)])
        let otherSite = try await fixture.post(
            "/quarantine/retry", form: [("path", file.path), ("csrf", token)], headers: [("Cookie", cookie), ("Origin", "http://evil.example")])
        #expect([noToken.status, noCookie.status, otherSite.status] == [Int](repeating: 403, count: 3))
        #expect(FileManager.default.fileExists(atPath: file.path), "a refused action changed nothing")
        #expect(fixture.log.text.contains("refused a forged or stale action"))
        // The page's own form: accepted.
        let own = try await fixture.post("/quarantine/retry", form: [("path", file.path), ("csrf", token)], headers: [("Cookie", cookie)])
        #expect(own.status == 303)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        await fixture.close()
    }

    @Test func aGetNeverActs() async throws {
        let fixture = try await ConsoleFixture()
        let file = try fixture.quarantine("orders-2.xml", content: "bad")
        let response = try await fixture.get("/quarantine/retry?path=\(ConsoleFixture.encode(file.path))")
        #expect(response.status == 404)
        #expect(FileManager.default.fileExists(atPath: file.path))
        await fixture.close()
    }

    /// A password (here a token and the SHA-256 of a password, in credential files) is asked for on every page but
    /// `/healthz`; a wrong one is refused; neither appears in the log.
    @Test(arguments: ["token", "hash"])
    func aPasswordIsRequiredWhenConfigured(form: String) async throws {
        let secretFolder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-console-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: secretFolder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: secretFolder) }
        let password = "correct horse \(UUID().uuidString)"
        let stored = form == "token" ? password : "sha256:" + SHA256.hash(data: Data(password.utf8)).map { String(format: "%02x", $0) }.joined()
        let secretFile = secretFolder.appendingPathComponent("console-password")
        try Data((stored + "\n").utf8).write(to: secretFile)
        let fixture = try await ConsoleFixture(settings: ConsoleSettings(user: "ops", password: SecretReference("file:" + secretFile.path)))

        let anonymous = try await fixture.get("/")
        #expect(anonymous.status == 401)
        #expect(anonymous.headers["www-authenticate"]?.hasPrefix("Basic realm=\"ferry console\"") == true)
        func basic(_ user: String, _ secret: String) -> [(name: String, value: String)] {
            [("Authorization", "Basic " + Data("\(user):\(secret)".utf8).base64EncodedString())]
        }
        #expect(try await fixture.get("/", headers: basic("ops", "wrong")).status == 401)
        #expect(try await fixture.get("/", headers: basic("root", password)).status == 401)
        let allowed = try await fixture.get("/", headers: basic("ops", password))
        #expect(allowed.status == 200)
        #expect(ConsoleFixture.text(allowed).contains(">ops<"), "the page names who is looking")
        #expect(try await fixture.get("/runs", headers: [("Authorization", "Bearer \(password)")]).status == 200)
        #expect(try await fixture.get("/metrics").status == 401)
        #expect(try await fixture.get("/healthz").status == 200)
        await fixture.close()
        #expect(!fixture.log.text.contains(password))
        #expect(!fixture.log.text.contains(stored))
    }
}

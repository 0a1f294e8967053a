import Foundation
import Logging
import MagentoSandbox
import Testing

/// A token nobody could mistake for anything else: it must never appear in anything ferry writes.
let recognisableToken = "FERRYTOKEN-rel-5b1e0c9d7a3f"

/// Magento at 20 % faults, the token's secrecy, and TLS trust, through the real `ferry` binary.
@Suite("Network faults, secrets and TLS", .serialized)
struct NetworkTests {
    static func downloadStage(baseURL: String, extra: String = "") -> String {
        """
        { "name": "download", "task": "magento.download-orders", "everySeconds": 3600,
          "settings": { "baseUrl": "\(baseURL)", "tokenEnv": "REL_MAGENTO_TOKEN", "pageSize": 5, "maxAttempts": 8,
                        "timeoutSeconds": 10 \(extra) },
          "outputs": { "out": "outbox/orders" } }
        """
    }

    /// Every order downloaded exactly once across repeated runs while 20 % of calls fail
    /// (500, 503 HTML, 429, and answers cut off after the effect); the token appears nowhere.
    @Test func downloadAtTwentyPercentFaultsEmitsEveryOrderOnceAndNeverLeaksTheToken() async throws {
        let orders = longRun ? 1_000 : 120
        let faults = SandboxFaults(rate500: 0.05, rate503: 0.05, rate429: 0.05, dropAfterEffect: 0.05, seed: 7)
        let sandbox = MagentoSandboxServer(
            seed: 3, orders: orders, options: .init(bearerTokens: [recognisableToken], faults: faults),
            logger: Logger(label: "sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))
        _ = try await sandbox.start()
        defer { Task { await sandbox.stop() } }
        let root = try FerryRoot()
        try FileManager.default.createDirectory(at: root.url.appendingPathComponent("outbox/orders"), withIntermediateDirectories: true)
        try root.writeConfig(stages: [Self.downloadStage(baseURL: sandbox.baseURL)])
        let env = ["REL_MAGENTO_TOKEN": recognisableToken]
        var runs = 0
        var failedRuns = 0
        func downloaded() -> [Int] {
            root.files(in: root.url.appendingPathComponent("outbox/orders")).flatMap { name -> [Int] in
                let text = (try? String(contentsOf: root.url.appendingPathComponent("outbox/orders/\(name)"), encoding: .utf8)) ?? ""
                // The order's own id follows its increment_id (items carry an order_id of their own).
                let pattern = try! NSRegularExpression(pattern: "</increment_id>\\s*<order_id>(\\d+)")
                return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                    Range($0.range(at: 1), in: text).flatMap { Int(text[$0]) }
                }
            }
        }
        // Bounded: each run retries with capped backoff; a run that gives up is simply run again.
        while Set(downloaded()).count < orders, runs < 30 {
            runs += 1
            let result = try await root.run(["download"], environment: env, timeout: .seconds(120))
            if result.status != 0 { failedRuns += 1 }
        }
        let ids = downloaded()
        #expect(Set(ids).count == orders, "every order downloaded: \(Set(ids).count) of \(orders) after \(runs) runs")
        #expect(ids.count == Set(ids).count, "no order emitted twice: \(ids.count) emissions")
        let log = await sandbox.store.requestLog()
        let injected = log.filter { $0.fault != nil }.count
        #expect(injected > 0, "faults were injected")
        // The status report and everything on disk are free of the token.
        let status = try await root.run(["status", "--json"], environment: env)
        #expect(status.status == 0)
        #expect(!status.output.contains(recognisableToken))
        #expect(!root.allLogs.contains(recognisableToken), "a log line holds the token")
        for path in root.allFiles(under: root.url) where !path.hasSuffix(".sqlite") && !path.hasPrefix("config") {
            let data = (try? Data(contentsOf: root.url.appendingPathComponent(path))) ?? Data()
            #expect(data.range(of: Data(recognisableToken.utf8)) == nil, "\(path) holds the token")
        }
        Figures.record("network.calls", log.count)
        Figures.record("network.faults", injected)
        Figures.record("network.orders", orders)
        Figures.record("network.runs", runs)
    }

    /// The token in error texts and fail files: a Magento task that fails on bad input names no secret, and a
    /// world-readable config holding a literal token draws a warning.
    @Test func aFailingMagentoStageNamesNoSecret() async throws {
        let root = try FerryRoot()
        try FileManager.default.createDirectory(at: root.url.appendingPathComponent("inbox/inv"), withIntermediateDirectories: true)
        // The token sits in the URL's user part too: a careless error message would print it.
        let stage = """
            { "name": "upload", "watch": "inbox/inv", "task": "magento.upload-inventory",
              "settings": { "baseUrl": "http://user:\(recognisableToken)@127.0.0.1:9", "tokenEnv": "REL_MAGENTO_TOKEN", "maxAttempts": 1, "timeoutSeconds": 2 },
              "outputs": {} }
            """
        try root.writeConfig(stages: [stage], extra: "\"retry\": { \"initialSeconds\": 1, \"maxSeconds\": 1, \"maxAttempts\": 2 },")
        try root.deliver("stock.xml", "<Inventory><Item><Sku>A</Sku><Qty>1</Qty></Item></Inventory>\n", into: root.url.appendingPathComponent("inbox/inv"))
        try root.deliver("garbage.xml", "\u{0}\u{1}not xml", into: root.url.appendingPathComponent("inbox/inv"))
        let result = try await root.run(["run"], environment: ["REL_MAGENTO_TOKEN": recognisableToken], timeout: .seconds(120))
        _ = try await root.run(["status"], environment: ["REL_MAGENTO_TOKEN": recognisableToken])
        let check = try await root.run(["check-config"], environment: ["REL_MAGENTO_TOKEN": recognisableToken])
        let everything = [result.output, result.log, check.output, check.log, root.allLogs]
            + root.allFiles(under: root.url).filter { !$0.hasSuffix(".sqlite") && $0 != "config.json" }.map {
                String(decoding: (try? Data(contentsOf: root.url.appendingPathComponent($0))) ?? Data(), as: UTF8.self)
            }
        for text in everything { #expect(!text.contains(recognisableToken), "token leaked: \(text.prefix(300))") }
        #expect(!root.quarantined(stage: "upload").isEmpty || result.status != 0, "the bad file is reported")
    }

    /// A world-readable config holding a literal token draws a warning that names the key, never the value.
    @Test func worldReadableLiteralTokenDrawsAWarning() async throws {
        let root = try FerryRoot()
        try root.writeConfig(extra: "\"connections\": { \"magento\": { \"baseUrl\": \"http://127.0.0.1:9\", \"token\": \"\(recognisableToken)\" } },")
        chmod(root.config.path, 0o644)
        let result = try await root.run(["check-config"])
        let text = result.output + result.log
        #expect(text.contains("connections.magento.token"), "\(text)")
        #expect(text.contains("world-readable"))
        #expect(!text.contains(recognisableToken))
    }

    /// A self-signed HTTPS endpoint is refused unless its CA is configured with `caFile`.
    @Test func selfSignedEndpointIsRefusedUnlessItsCAIsConfigured() async throws {
        guard shell("command -v openssl && command -v python3").status == 0 else {
            print("skipped: openssl or python3 is missing")
            return
        }
        let root = try FerryRoot()
        let tls = root.url.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: tls, withIntermediateDirectories: true)
        let made = shell("""
            cd '\(tls.path)' && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
              -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:TRUE
            """)
        try #require(made.status == 0, "\(made.output)")
        let server = """
            import http.server, ssl, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = b'{"items":[],"search_criteria":{},"total_count":0}'
                    self.send_response(200); self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                def log_message(self, *a): pass
            s = http.server.HTTPServer(("127.0.0.1", 0), H)
            c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain("cert.pem", "key.pem")
            s.socket = c.wrap_socket(s.socket, server_side=True)
            print(s.server_address[1], flush=True)
            s.timeout = 1
            import time; end = time.time() + 120
            while time.time() < end: s.handle_request()
            """
        try Data(server.utf8).write(to: tls.appendingPathComponent("server.py"))
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "server.py"]
        python.currentDirectoryURL = tls
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        defer { kill(python.processIdentifier, SIGKILL); python.waitUntilExit() }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let port = try #require(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        try FileManager.default.createDirectory(at: root.url.appendingPathComponent("outbox/orders"), withIntermediateDirectories: true)
        let env = ["REL_MAGENTO_TOKEN": recognisableToken]

        try root.writeConfig(stages: [Self.downloadStage(baseURL: "https://127.0.0.1:\(port)").replacingOccurrences(of: "\"maxAttempts\": 8", with: "\"maxAttempts\": 1")])
        let refused = try await root.run(["download"], environment: env)
        #expect(refused.status != 0, "an untrusted certificate is refused")
        #expect((refused.output + refused.log).lowercased().contains("certificate") || (refused.output + refused.log).lowercased().contains("ssl"),
                "the error says why: \(refused.log.suffix(500))")

        try root.writeConfig(stages: [Self.downloadStage(baseURL: "https://127.0.0.1:\(port)", extra: ", \"caFile\": \"tls/cert.pem\"")])
        let trusted = try await root.run(["download"], environment: env)
        #expect(trusted.status == 0, "trusted with caFile: \(trusted.log.suffix(800))")
        Figures.record("tls.checks", 2)
    }
}

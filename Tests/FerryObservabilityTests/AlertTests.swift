import FerryPipeline
import FerryTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import FerryObservability

@Suite("Alerts")
struct AlertTests {
    @Test("A drain with failures sends ONE mail over real libcurl SMTP and ONE webhook POST, without secrets")
    func oneSummaryPerRun() async throws {
        let smtp = try SMTPSink()
        let http = try HTTPSink()
        defer { smtp.stop(); http.stop() }
        try await withTemporaryDirectory { root in
            let passwordFile = root.appendingPathComponent("smtp-password")
            try Data("\(recognisableSecret)\n".utf8).write(to: passwordFile)
            let config = try loadConfig(root: root, extra: """
                "alerts": {
                  "email": { "server": "127.0.0.1", "port": \(smtp.port), "starttls": false, "from": "ferry@shop.test",
                             "to": ["ops@shop.test", "boss@shop.test"], "username": "ferry", "password": "file:\(passwordFile.path)" },
                  "webhook": { "url": "http://127.0.0.1:\(http.port)/hooks/ferry", "bearer": "file:\(passwordFile.path)" }
                },
                "metrics": { "textfile": "state/ferry.prom" },
                """)
            let logs = LogCapture()
            let observers = try Observers.make(config: config, registry: TaskRegistry([ProbeTask.kind]), logger: logs.logger)
            #expect(observers.contains { $0 is MetricsObserver })
            #expect(observers.contains { $0 is AlertObserver })

            let inbox = root.appendingPathComponent("inbox/in")
            try Data("bad one\n".utf8).write(to: inbox.appendingPathComponent("a.xml"))
            try Data("bad two\n".utf8).write(to: inbox.appendingPathComponent("b.xml"))
            try Data("rejected\n".utf8).write(to: inbox.appendingPathComponent("c.xml"))
            try Data("fine\n".utf8).write(to: inbox.appendingPathComponent("d.xml"))
            // The engine logs through its own handler (which masks secrets); the capture checks the observers.
            let pipeline = try Pipeline(
                config: config, registry: TaskRegistry([ProbeTask.kind]),
                logger: Logger(label: "engine", factory: { _ in SwiftLogNoOpLogHandler() }), observers: observers)
            let report = await pipeline.drain()
            #expect(report.processed == 2)
            #expect(report.quarantined == 2)

            let mails = smtp.received
            try #require(mails.count == 1)
            let mail = mails[0]
            #expect(mail.from == "<ferry@shop.test>")
            #expect(mail.recipients == ["<ops@shop.test>", "<boss@shop.test>"])
            // The password reached the server through AUTH (the protocol), and nowhere else.
            #expect(mail.auth == "ferry\0\(recognisableSecret)")
            #expect(mail.data.contains("Subject: ferry on "))
            #expect(mail.data.contains("2 files quarantined, 2 orders rejected by Sage"))
            #expect(mail.data.contains("[probe] a.xml: line 1: cannot parse"))
            #expect(mail.data.contains("[probe] c.xml: 2 orders"))
            #expect(!mail.data.contains(recognisableSecret))

            let posts = http.received
            try #require(posts.count == 1)
            #expect(posts[0].method == "POST")
            #expect(posts[0].path == "/hooks/ferry")
            #expect(posts[0].headers["authorization"] == "Bearer \(recognisableSecret)")
            #expect(posts[0].headers["content-type"] == "application/json")
            let body = try #require(try JSONSerialization.jsonObject(with: posts[0].body) as? [String: Any])
            #expect(body["source"] as? String == "ferry")
            #expect((body["quarantined"] as? [Any])?.count == 2)
            #expect((body["rejectedBySage"] as? [[String: Any]])?.first?["orders"] as? Int == 2)
            #expect(!String(decoding: posts[0].body, as: UTF8.self).contains(recognisableSecret))

            // Nothing new: the next flush sends nothing.
            for observer in observers { await observer.flush() }
            #expect(smtp.received.count == 1)
            #expect(http.received.count == 1)
            #expect(!logs.text.contains(recognisableSecret))
        }
    }

    @Test("A channel that fails keeps its batch and the next flush sends everything; the log names no secret")
    func failedDeliveryIsRetried() async throws {
        let channel = FlakyChannel()
        let logs = LogCapture()
        let observer = AlertObserver(channels: [channel], host: "test-host", logger: logs.logger)
        Redaction.register(recognisableSecret)
        observer.fileQuarantined(stage: "map", file: "x.xml", reason: "bad \(recognisableSecret)", failedPath: "failed/map/x.xml")
        await observer.flush()
        #expect(channel.sent.isEmpty)
        #expect(observer.pending == 1)
        #expect(logs.text.contains("alert not sent"))
        observer.scheduledRunFinished(stage: "download", counters: [:], seconds: 1, error: "HTTP 503 store in maintenance")
        await observer.flush()
        let sent = channel.sent
        try #require(sent.count == 1)
        #expect(sent[0].total == 2)
        #expect(sent[0].subject == "ferry on test-host: 1 file quarantined, 1 scheduled run failed")
        #expect(!sent[0].text.contains(recognisableSecret))
        #expect(!logs.text.contains(recognisableSecret))
        #expect(observer.pending == 0)
    }

    @Test("An unreachable SMTP server is a logged warning naming the server, never the password")
    func unreachableServer() async throws {
        // A port that was just free: bind, learn the port, close, so nothing listens there.
        let closed = try SMTPSink()
        let port = closed.port
        closed.stop()
        let logs = LogCapture()
        let settings = EmailSettings(
            server: "127.0.0.1", port: Int(port), starttls: false, from: "f@x.test", to: ["t@x.test"], username: "u",
            password: SecretReference(recognisableSecret), timeoutSeconds: 5)
        let observer = AlertObserver.make(settings: AlertSettings(email: settings, webhook: nil), logger: logs.logger)
        observer.fileQuarantined(stage: "map", file: "x.xml", reason: "bad", failedPath: "failed/map/x.xml")
        await observer.flush()
        #expect(logs.text.contains("smtp://127.0.0.1:\(port)"))
        #expect(!logs.text.contains(recognisableSecret))
        #expect(observer.pending == 1)
    }

    @Test("STARTTLS on and a server without it: refused before anything is sent")
    func starttlsRequired() async throws {
        let smtp = try SMTPSink()
        defer { smtp.stop() }
        let settings = EmailSettings(server: "127.0.0.1", port: Int(smtp.port), starttls: true, from: "f@x.test", to: ["t@x.test"], timeoutSeconds: 5)
        let logs = LogCapture()
        let observer = AlertObserver.make(settings: AlertSettings(email: settings, webhook: nil), logger: logs.logger)
        observer.fileQuarantined(stage: "map", file: "x.xml", reason: "bad", failedPath: "failed/map/x.xml")
        await observer.flush()
        #expect(smtp.received.isEmpty)
        #expect(observer.pending == 1)
    }

    @Test("A webhook answering 500 is reported with the status and keeps the batch")
    func webhookError() async throws {
        let http = try HTTPSink(statuses: [(500, "{\"error\":\"down\"}")])
        defer { http.stop() }
        let logs = LogCapture()
        let settings = WebhookSettings(url: "http://127.0.0.1:\(http.port)/hook?key=\(recognisableSecret)", timeoutSeconds: 5)
        let observer = AlertObserver.make(settings: AlertSettings(email: nil, webhook: settings), logger: logs.logger)
        observer.fileQuarantined(stage: "map", file: "x.xml", reason: "bad", failedPath: "failed/map/x.xml")
        await observer.flush()
        // The webhook answered 500 (on a loaded machine the local sink may also fail to answer): either way the
        // failure is logged and the batch kept.
        #expect(logs.text.contains("answered 500") || logs.text.contains("alert not sent"))
        #expect(!logs.text.contains(recognisableSecret))
        #expect(observer.pending == 1)
        // The next summary carries the kept batch (flushed again if the loaded sink dropped one).
        for _ in 0..<5 where observer.pending > 0 { await observer.flush() }
        for _ in 0..<500 where http.received.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(http.received.count >= 2)
        #expect(observer.pending == 0)
    }

    @Test("What a task says needs action comes first in the mail and in the webhook's attention list")
    func attentionComesFirst() async throws {
        // Through the observer: what a task raises reaches the channel's summary.
        let channel = FlakyChannel()
        let observer = AlertObserver(channels: [channel], host: "h", logger: Logger(label: "test"))
        observer.needsAttention(stage: "import-sage200", message: "the refresh token expires on 2026-12-10: run `ferry sage200 authorize`")
        await observer.flush()  // FlakyChannel fails its first send and keeps the batch
        await observer.flush()
        #expect(channel.sent.first?.incidents == [
            .attention(stage: "import-sage200", message: "the refresh token expires on 2026-12-10: run `ferry sage200 authorize`")
        ])
        let summary = AlertSummary(
            incidents: [
                .quarantined(stage: "map", file: "a.xml", reason: "bad", failedPath: "failed/map/a.xml"),
                .attention(stage: "import-sage200", message: "the refresh token expires on 2026-12-10: run `ferry sage200 authorize`"),
            ],
            omitted: 0, host: "h", at: Date())
        #expect(summary.subject == "ferry on h: 1 to act on, 1 file quarantined")
        let lines = summary.text.components(separatedBy: "\n")
        let acting = try #require(lines.firstIndex(of: "To act on:"))
        #expect(lines[acting + 1] == "- [import-sage200] the refresh token expires on 2026-12-10: run `ferry sage200 authorize`")
        #expect(acting < (lines.firstIndex { $0.hasPrefix("Quarantined files") } ?? 0))
        let body = try #require(try JSONSerialization.jsonObject(with: summary.json) as? [String: Any])
        #expect((body["attention"] as? [[String: Any]])?.first?["stage"] as? String == "import-sage200")
        #expect(body["notListed"] as? Int == 0)
    }

    @Test("Floods are capped: the message lists the first incidents and counts the rest")
    func flood() {
        let incidents = (0..<120).map { AlertObserver.Incident.quarantined(stage: "map", file: "f\($0).xml", reason: "bad", failedPath: "p") }
        let summary = AlertSummary(incidents: incidents, omitted: 5, host: "h", at: Date())
        #expect(summary.subject == "ferry on h: 120 files quarantined, 5 more not listed")
        #expect(summary.text.contains("... and 70 more"))
        #expect(!summary.text.contains("f50.xml"))
        let message = String(decoding: EmailChannel.message(summary, settings: EmailSettings(server: "s", from: "a@b.c", to: ["d@e.f"])), as: UTF8.self)
        #expect(message.contains("\r\nSubject: ferry on h: 120 files quarantined"))
        #expect(EmailChannel.encodedHeader("ferry: commande-été.xml").hasPrefix("=?utf-8?B?"))
    }
}

/// Fails its first send, then records.
final class FlakyChannel: AlertObserver.Channel {
    let calls = Mutex(0)
    let delivered = Mutex<[AlertSummary]>([])
    var name: String { "flaky" }
    var sent: [AlertSummary] { delivered.withLock { $0 } }

    func send(_ summary: AlertSummary) async throws {
        let call = calls.withLock { $0 += 1; return $0 }
        if call == 1 { throw AlertDeliveryError(channel: "flaky", message: "down (password \(recognisableSecret))") }
        delivered.withLock { $0.append(summary) }
    }
}

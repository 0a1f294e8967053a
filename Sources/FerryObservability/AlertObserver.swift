public import FerryPipeline
import FerryValues
public import Foundation
public import Logging
import Synchronization

/// Collects what went wrong (quarantined files, failed scheduled runs, orders Sage rejected, what a task says needs
/// action, such as a Sage 200 authorization about to expire) and, on `flush()`,
/// sends one summary per channel: one email and/or one webhook POST per run, never one per record.
///
/// A channel that fails keeps its batch, and the next flush tries again with everything collected since, so a mail
/// server that is down for an hour costs one late summary, not lost alerts.
public final class AlertObserver: PipelineObserver {
    /// One thing worth an operator's attention.
    public enum Incident: Sendable, Equatable {
        /// A file moved to `failed/<stage>/` with its reason.
        case quarantined(stage: String, file: String, reason: String, failedPath: String)
        /// A scheduled run (the Magento download) failed.
        case scheduledRunFailed(stage: String, error: String)
        /// Sage rejected orders of a file (a counter the stage's task kind declares in ``TaskKind/alertCounters``).
        case rejectedBySage(stage: String, file: String, orders: Int)
        /// A task says an operator must act before the flow stops (``PipelineObserver/needsAttention(stage:message:)``).
        case attention(stage: String, message: String)
    }

    /// Sends one summary somewhere; a seam so tests and future channels need no SMTP server.
    public protocol Channel: Sendable {
        /// `email` or `webhook`, for logs.
        var name: String { get }
        /// Delivers the summary (blocking work happens off the cooperative pool).
        func send(_ summary: AlertSummary) async throws
    }

    /// More than this many incidents are counted, not listed, so a flood cannot make a huge message.
    public static let listLimit = 50

    private struct Batch {
        var incidents: [Incident] = []
        var dropped = 0
    }

    private let channels: [any Channel]
    private let batches: Mutex<[Batch]>
    private let sending = Mutex(false)
    private let host: String
    private let logger: Logger
    private let alertCounters: [String: Set<String>]

    /// Creates an observer sending to `channels`.
    /// - Parameters:
    ///   - channels: where summaries go (see ``make(settings:logger:)`` for email and webhook).
    ///   - host: the machine's name, shown in the summary.
    ///   - alertCounters: per stage, the counters its task kind declares as alerts (``TaskKind/alertCounters``).
    ///   - logger: delivery problems are logged here (scrubbed of secrets).
    public init(
        channels: [any Channel], host: String = ProcessInfo.processInfo.hostName, alertCounters: [String: Set<String>] = [:],
        logger: Logger
    ) {
        self.channels = channels
        self.alertCounters = alertCounters
        self.batches = Mutex(Array(repeating: Batch(), count: channels.count))
        self.host = host
        self.logger = logger
    }

    /// An observer for the configured email and webhook channels.
    /// - Parameter alertCounters: per stage, the counters its task kind declares as alerts.
    public static func make(settings: AlertSettings, alertCounters: [String: Set<String>] = [:], logger: Logger) -> AlertObserver {
        var channels: [any Channel] = []
        if let email = settings.email { channels.append(EmailChannel(settings: email)) }
        if let webhook = settings.webhook { channels.append(WebhookChannel(settings: webhook)) }
        return AlertObserver(channels: channels, alertCounters: alertCounters, logger: logger)
    }

    public func fileQuarantined(stage: String, file: String, reason: String, failedPath: String) {
        record(.quarantined(stage: stage, file: file, reason: Redaction.scrub(reason), failedPath: failedPath))
    }

    public func scheduledRunFinished(stage: String, counters: [String: Int], seconds: Double, error: String?) {
        if let error { record(.scheduledRunFailed(stage: stage, error: Redaction.scrub(error))) }
        let rejected = alerting(stage: stage, counters)
        if rejected > 0 { record(.rejectedBySage(stage: stage, file: "(scheduled run)", orders: rejected)) }
    }

    public func needsAttention(stage: String, message: String) {
        record(.attention(stage: stage, message: Redaction.scrub(message)))
    }

    public func fileProcessed(stage: String, file: String, seconds: Double, counters: [String: Int]) {
        let rejected = alerting(stage: stage, counters)
        if rejected > 0 { record(.rejectedBySage(stage: stage, file: file, orders: rejected)) }
    }

    /// The sum of the counters `stage`'s task kind declares as alerts.
    private func alerting(stage: String, _ counters: [String: Int]) -> Int {
        (alertCounters[stage] ?? []).reduce(0) { sum, name in sum + (counters[name] ?? 0) }
    }

    /// Incidents waiting for the next flush, per channel (for tests and `ferry status`).
    public var pending: Int { batches.withLock { $0.map { $0.incidents.count + $0.dropped }.max() ?? 0 } }

    /// Sends one summary per channel of everything collected since the last successful send.
    public func flush() async {
        // The periodic flush and the final one may overlap: only one sends at a time, the other leaves the batch.
        guard sending.withLock({ busy in defer { busy = true }; return !busy }) else { return }
        defer { sending.withLock { $0 = false } }
        for (index, channel) in channels.enumerated() {
            let batch = batches.withLock { batches in
                defer { batches[index] = Batch() }
                return batches[index]
            }
            guard !batch.incidents.isEmpty else { continue }
            let summary = AlertSummary(incidents: batch.incidents, omitted: batch.dropped, host: host, at: Date())
            do {
                try await channel.send(summary)
                logger.info("alert sent", metadata: ["ferry.alert": "\(channel.name)", "ferry.incidents": "\(summary.total)"])
            } catch {
                // Put the batch back in front of what arrived meanwhile, for the next flush.
                batches.withLock { batches in
                    var merged = Batch(incidents: batch.incidents + batches[index].incidents, dropped: batch.dropped + batches[index].dropped)
                    Self.cap(&merged)
                    batches[index] = merged
                }
                logger.warning(
                    "alert not sent; it will be retried with the next summary",
                    metadata: ["ferry.alert": "\(channel.name)", "ferry.error": "\(Redaction.message(of: error))"])
            }
        }
    }

    private func record(_ incident: Incident) {
        batches.withLock { batches in
            for index in batches.indices {
                batches[index].incidents.append(incident)
                Self.cap(&batches[index])
            }
        }
    }

    /// Keeps the first incidents and counts the rest: the first failures usually explain the later ones.
    private static func cap(_ batch: inout Batch) {
        let limit = listLimit * 20
        if batch.incidents.count > limit {
            batch.dropped += batch.incidents.count - limit
            batch.incidents.removeLast(batch.incidents.count - limit)
        }
    }
}

/// The summary of one run's incidents, as text (the mail) and as JSON (the webhook).
public struct AlertSummary: Sendable {
    /// The incidents, in the order they happened.
    public var incidents: [AlertObserver.Incident]
    /// Incidents beyond the batch cap, counted only.
    public var omitted: Int
    /// The machine ferry runs on.
    public var host: String
    /// When the summary was made.
    public var at: Date

    /// Every incident, listed or not.
    public var total: Int { incidents.count + omitted }

    var quarantined: [(stage: String, file: String, reason: String, failedPath: String)] {
        incidents.compactMap { if case .quarantined(let s, let f, let r, let p) = $0 { (s, f, r, p) } else { nil } }
    }
    var failedRuns: [(stage: String, error: String)] {
        incidents.compactMap { if case .scheduledRunFailed(let s, let e) = $0 { (s, e) } else { nil } }
    }
    var rejected: [(stage: String, file: String, orders: Int)] {
        incidents.compactMap { if case .rejectedBySage(let s, let f, let n) = $0 { (s, f, n) } else { nil } }
    }
    var attention: [(stage: String, message: String)] {
        incidents.compactMap { if case .attention(let s, let m) = $0 { (s, m) } else { nil } }
    }

    /// One line: `ferry on HOST: 2 files quarantined, 1 scheduled run failed, 3 orders rejected by Sage`.
    public var subject: String {
        var parts: [String] = []
        if !attention.isEmpty { parts.append("\(attention.count) to act on") }
        if !quarantined.isEmpty { parts.append(Self.count(quarantined.count, "file", "quarantined")) }
        if !failedRuns.isEmpty { parts.append(Self.count(failedRuns.count, "scheduled run", "failed")) }
        let orders = rejected.reduce(0) { $0 + $1.orders }
        if orders > 0 { parts.append(Self.count(orders, "order", "rejected by Sage")) }
        if omitted > 0 { parts.append("\(omitted) more not listed") }
        return Redaction.scrub("ferry on \(host): " + parts.joined(separator: ", "))
    }

    private static func count(_ n: Int, _ noun: String, _ what: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s") \(what)" }

    /// The plain-text body: each section lists up to ``AlertObserver/listLimit`` items with what to do.
    public var text: String {
        let limit = AlertObserver.listLimit
        var lines = [subject, ""]
        if !attention.isEmpty {
            // First: these stop the flow if nobody acts.
            lines.append("To act on:")
            for item in attention.prefix(limit) { lines.append("- [\(item.stage)] \(Self.firstLine(item.message))") }
            if attention.count > limit { lines.append("- ... and \(attention.count - limit) more") }
            lines.append("")
        }
        if !quarantined.isEmpty {
            lines.append("Quarantined files (fix the file, then `ferry retry <failed path>`):")
            for item in quarantined.prefix(limit) {
                lines.append("- [\(item.stage)] \(item.file): \(Self.firstLine(item.reason))")
                lines.append("  \(item.failedPath)")
            }
            if quarantined.count > limit { lines.append("- ... and \(quarantined.count - limit) more: see `ferry status`") }
            lines.append("")
        }
        if !failedRuns.isEmpty {
            lines.append("Failed scheduled runs (they are retried at the next interval):")
            for item in failedRuns.prefix(limit) { lines.append("- [\(item.stage)] \(Self.firstLine(item.error))") }
            if failedRuns.count > limit { lines.append("- ... and \(failedRuns.count - limit) more") }
            lines.append("")
        }
        if !rejected.isEmpty {
            lines.append("Orders rejected by Sage (see the failed-order report for each reason):")
            for item in rejected.prefix(limit) { lines.append("- [\(item.stage)] \(item.file): \(item.orders) order\(item.orders == 1 ? "" : "s")") }
            if rejected.count > limit { lines.append("- ... and \(rejected.count - limit) more files") }
            lines.append("")
        }
        if omitted > 0 { lines.append("\(omitted) further incidents were counted but not listed.") }
        return Redaction.scrub(lines.joined(separator: "\n"))
    }

    /// The webhook body: `{"source":"ferry","host":...,"summary":...,"quarantined":[...],...}`.
    public var json: Data {
        let limit = AlertObserver.listLimit
        let object: JSONValue = .object([
            "source": .string("ferry"),
            "host": .string(host),
            "time": .string(ISO8601DateFormatter().string(from: at)),
            "summary": .string(subject),
            "total": .int(total),
            "quarantined": .array(quarantined.prefix(limit).map {
                .object(["stage": .string($0.stage), "file": .string($0.file), "reason": .string($0.reason), "failedPath": .string($0.failedPath)])
            }),
            "failedRuns": .array(failedRuns.prefix(limit).map { .object(["stage": .string($0.stage), "error": .string($0.error)]) }),
            "rejectedBySage": .array(rejected.prefix(limit).map {
                .object(["stage": .string($0.stage), "file": .string($0.file), "orders": .int($0.orders)])
            }),
            "attention": .array(attention.prefix(limit).map { .object(["stage": .string($0.stage), "message": .string($0.message)]) }),
            "notListed": .int(
                total - min(quarantined.count, limit) - min(failedRuns.count, limit) - min(rejected.count, limit)
                    - min(attention.count, limit)),
        ])
        return Data(Redaction.scrub(String(decoding: object.data, as: UTF8.self)).utf8)
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count > 300 ? String(line.prefix(300)) + "..." : line
    }
}

/// Alert mail through libcurl's SMTP.
struct EmailChannel: AlertObserver.Channel {
    let settings: EmailSettings
    var name: String { "email" }

    func send(_ summary: AlertSummary) async throws {
        // Resolved at send time, so a rotated credential file is picked up without a restart.
        let password = try settings.password?.resolve()
        let message = Self.message(summary, settings: settings)
        let settings = self.settings
        try await CurlTransfer.run { try CurlTransfer.sendMail(message, settings: settings, password: password) }
    }

    /// An RFC 5322 message: CRLF lines, dot-stuffed by curl, UTF-8 body.
    static func message(_ summary: AlertSummary, settings: EmailSettings) -> Data {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let domain = settings.from.split(separator: "@").last.map(String.init) ?? "ferry.local"
        var lines = [
            "Date: \(formatter.string(from: summary.at))",
            "From: \(settings.from)",
            "To: \(settings.to.joined(separator: ", "))",
            "Subject: \(encodedHeader(summary.subject))",
            "Message-ID: <\(UUID().uuidString)@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
        ]
        lines += summary.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// A header value, RFC 2047-encoded when it is not plain ASCII (file names may not be).
    static func encodedHeader(_ value: String) -> String {
        if value.allSatisfy({ $0.isASCII && !$0.isNewline }) { return value }
        return "=?utf-8?B?\(Data(value.utf8).base64EncodedString())?="
    }
}

/// Alert JSON POSTed to a URL.
struct WebhookChannel: AlertObserver.Channel {
    let settings: WebhookSettings
    var name: String { "webhook" }

    func send(_ summary: AlertSummary) async throws {
        let bearer = try settings.bearer?.resolve()
        let body = summary.json
        let settings = self.settings
        try await CurlTransfer.run { try CurlTransfer.post(body, settings: settings, bearer: bearer) }
    }
}

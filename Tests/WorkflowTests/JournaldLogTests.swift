import FerryDemo
import Foundation
import Logging
import MagentoSandbox
import Testing

/// ferry's log lines under journald: the `<N>` priority prefix, strict logfmt whatever the values hold, and no
/// error for a download that a reload or a stop interrupts.
@Suite struct JournaldLogTests {
    /// A strict logfmt reader: `key=value` pairs separated by one space, a value bare (no space, `=`, `"`, `\` or
    /// control character) or double-quoted with `\" \\ \n \r \t \uXXXX` escapes. Nil when the line is not that.
    static func logfmt(_ line: Substring) -> [(key: String, value: String)]? {
        var pairs: [(String, String)] = []
        var rest = line.unicodeScalars[...]
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "="), equals != rest.startIndex else { return nil }
            let key = String(String.UnicodeScalarView(rest[..<equals]))
            if key.unicodeScalars.contains(where: { $0.value <= 0x20 || $0 == "\"" }) { return nil }
            rest = rest[rest.index(after: equals)...]
            var value = String.UnicodeScalarView()
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var closed = false
                while let scalar = rest.first {
                    rest = rest.dropFirst()
                    if scalar == "\"" { closed = true; break }
                    if scalar.value < 0x20 { return nil }
                    guard scalar == "\\" else { value.append(scalar); continue }
                    guard let escaped = rest.first else { return nil }
                    rest = rest.dropFirst()
                    switch escaped {
                    case "\"", "\\": value.append(escaped)
                    case "n": value.append("\n")
                    case "r": value.append("\r")
                    case "t": value.append("\t")
                    case "u":
                        let hex = String(String.UnicodeScalarView(rest.prefix(4)))
                        guard hex.count == 4, let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else { return nil }
                        value.append(decoded)
                        rest = rest.dropFirst(4)
                    default: return nil
                    }
                }
                if !closed { return nil }
            } else {
                while let scalar = rest.first, scalar != " " {
                    if scalar.value < 0x20 || scalar == "=" || scalar == "\"" || scalar == "\\" { return nil }
                    value.append(scalar)
                    rest = rest.dropFirst()
                }
                if value.isEmpty { return nil }
            }
            pairs.append((key, String(value)))
            if rest.first == " " {
                rest = rest.dropFirst()
                if rest.isEmpty { return nil }
            } else if !rest.isEmpty {
                return nil
            }
        }
        return pairs
    }

    static let priorities = ["trace": 7, "debug": 7, "info": 6, "notice": 5, "warning": 4, "error": 3, "critical": 2]

    /// Every line of `text` as a record: its `<N>` prefix (required), then strict logfmt with `level` and `msg`,
    /// the priority matching the level. Records an issue for each line that is not.
    static func records(_ text: String) -> [[String: String]] {
        var records: [[String: String]] = []
        for line in text.split(separator: "\n") {
            guard line.hasPrefix("<"), let close = line.firstIndex(of: ">"), let priority = Int(line[line.index(after: line.startIndex)..<close]) else {
                Issue.record("no <N> priority prefix: \(line)")
                continue
            }
            guard let pairs = logfmt(line[line.index(after: close)...]) else {
                Issue.record("not strict logfmt: \(line)")
                continue
            }
            let record = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
            #expect(record["time"] == nil, "journald stamps lines itself: \(line)")
            #expect(record["msg"] != nil, "\(line)")
            #expect(Self.priorities[record["level"] ?? ""] == priority, "priority \(priority) for \(line)")
            records.append(record)
        }
        return records
    }

    /// Points `JOURNAL_STREAM` at the file the child's stderr goes to, as systemd does for its stream.
    static func journalStream(for file: URL) throws -> String {
        var status = stat()
        guard stat(file.path, &status) == 0 else { throw POSIXError(.ENOENT) }
        return "\(status.st_dev):\(status.st_ino)"
    }

    static func sandbox(latency: Int = 0) async throws -> (MagentoSandboxServer, Int) {
        var options = MagentoSandboxOptions()
        options.faults.latencyMilliseconds = latency
        let sandbox = MagentoSandboxServer(
            seed: 11, orders: 4, options: options, catalogue: DemoCatalogueBridge.sandboxCatalogue(),
            logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        return (sandbox, try await sandbox.start(host: "127.0.0.1", port: 0))
    }

    static func config(port: Int) -> String {
        """
        { "connections": { "magento": { "baseUrl": "http://127.0.0.1:\(port)", "maxAttempts": 1 } },
          "logLevel": "debug", "settleMilliseconds": 0,
          "stages": [
            { "name": "download-orders", "task": "magento.download-orders", "everySeconds": 3600,
              "settings": { "stages": ["pending"] }, "outputs": { "out": "outbox/orders" } },
            { "name": "update-orders", "watch": "inbox/updates", "task": "magento.update-orders",
              "settings": { "notifyCustomer": false }, "outputs": { "success": "outbox/updated" } } ] }
        """
    }

    @Test func everyLineOfARealRunIsPrefixedStrictLogfmt() async throws {
        let (sandbox, port) = try await Self.sandbox()
        defer { Task { await sandbox.stop() } }
        var ferry = try FerryCLI(config: Self.config(port: port), folders: ["inbox/updates", "outbox/orders", "outbox/updated"])
        defer { ferry.remove() }
        ferry.environment["MAGENTO_TOKEN"] = "sandbox-token"
        // Values with quotes, spaces, `=`, a tab, unicode: the file's name and its quarantine reason carry them.
        let hostile = "bad \"quoted\" name=ü\tß.xml"
        try Data("not xml at all".utf8).write(to: ferry.root.appendingPathComponent("inbox/updates/\(hostile)"))
        try Data(OperatorCredentialsTests.update.utf8).write(to: ferry.root.appendingPathComponent("inbox/updates/good.xml"))

        var all: [[String: String]] = []
        for command in [["run"], ["download"]] {
            let log = ferry.root.appendingPathComponent(".log-\(command[0])")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            ferry.environment["JOURNAL_STREAM"] = try Self.journalStream(for: log)
            let result = try await ferry.run(command, stderr: log)
            #expect(result.status == 0, "\(command): \(result.stdout)\(result.stderr)")
            let text = try String(contentsOf: log, encoding: .utf8)
            all += Self.records(text)
        }
        #expect(all.contains { $0["ferry.file"] == hostile }, "the hostile name round-trips: \(all.compactMap { $0["ferry.file"] })")
        let quarantined = try #require(all.first { $0["msg"] == "quarantined" })
        #expect(quarantined["level"] == "error")
        let finished = try #require(all.first { $0["msg"] == "scheduled run finished" })
        #expect(finished["ferry.counters"]?.contains("orders.downloaded:") == true, "\(finished)")
    }

    @Test func outsideJournaldLinesAreStampedAndUnprefixed() async throws {
        var ferry = try FerryCLI(config: Self.config(port: 9), folders: ["inbox/updates", "outbox/orders", "outbox/updated"])
        defer { ferry.remove() }
        // The variable inherited from a unit, but stderr redirected elsewhere: not journald's stream.
        ferry.environment["JOURNAL_STREAM"] = "1:1"
        try Data("not xml".utf8).write(to: ferry.root.appendingPathComponent("inbox/updates/bad.xml"))
        let result = try await ferry.run(["run"])
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.hasPrefix("time="), "\(line)")
            #expect(Self.logfmt(line) != nil, "not strict logfmt: \(line)")
        }
    }

    @Test func aReloadAndAStopDuringADownloadLogNoError() async throws {
        // The store in maintenance: the download's client waits between attempts (up to 10), so the signals land
        // while a download is in hand and cancel its wait.
        let (sandbox, port) = try await Self.sandbox()
        defer { Task { await sandbox.stop() } }
        sandbox.updateOptions { $0.maintenance = true }
        var ferry = try FerryCLI(
            config: Self.config(port: port).replacingOccurrences(of: #""maxAttempts": 1"#, with: #""maxAttempts": 10"#),
            folders: ["inbox/updates", "outbox/orders", "outbox/updated"])
        defer { ferry.remove() }
        ferry.environment["MAGENTO_TOKEN"] = "sandbox-token"
        let log = ferry.root.appendingPathComponent(".log-watch")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        ferry.environment["JOURNAL_STREAM"] = try Self.journalStream(for: log)
        let watch = try ferry.start(["watch"], stderr: log)
        func logged(_ message: String, count: Int = 1) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if text.components(separatedBy: message).count > count { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("no \(message) in the log")
        }
        // The download starts with the watch; once the store has refused it, the client waits to try again.
        try await logged("msg=watching")
        try await logged(#"msg="Magento call failed, retrying""#)
        kill(watch.processIdentifier, SIGHUP)
        try await logged("msg=watching", count: 2)
        try await logged(#"msg="Magento call failed, retrying""#, count: 2)
        watch.terminate()
        let status = try await FerryCLI.wait(watch)
        #expect(status == 0)
        let records = Self.records(try String(contentsOf: log, encoding: .utf8))
        #expect(records.contains { $0["msg"] == "SIGHUP: reloading the configuration" })
        let interrupted = records.filter { $0["msg"]?.hasPrefix("scheduled run interrupted") == true }
        #expect(interrupted.count == 2, "the reload and the stop each landed mid-download: \(records.map { "\($0["level"] ?? "") \($0["msg"] ?? "")" })")
        let errors = records.filter { ($0["level"] == "error" || $0["level"] == "critical") }
        #expect(errors.isEmpty, "\(errors)")
    }
}

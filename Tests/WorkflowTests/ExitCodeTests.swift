import Foundation
import Testing

/// docs/operations.md's exit status table, row by row: what systemd units, timers and monitoring read.
@Suite struct ExitCodeTests {
    /// One file-triggered stage that calls Magento (at `baseUrl`) and one scheduled download.
    static func config(baseUrl: String = "http://127.0.0.1:9") -> String {
        """
        { "connections": { "magento": { "baseUrl": "\(baseUrl)", "tokenEnv": "EXIT_TEST_TOKEN", "maxAttempts": 1, "timeoutSeconds": 5 } },
          "retry": { "initialSeconds": 1, "maxSeconds": 1 },
          "stages": [
            { "name": "download-orders", "task": "magento.download-orders", "settings": { "stages": ["pending"] },
              "outputs": { "out": "inbox/orders" } },
            { "name": "update-orders", "watch": "inbox/updates", "task": "magento.update-orders",
              "settings": { "notifyCustomer": false }, "outputs": { "success": "outbox/updated" } } ] }
        """
    }

    static let folders = ["inbox/orders", "inbox/updates", "outbox/updated"]

    static func ferry(_ config: String = config()) throws -> FerryCLI {
        var ferry = try FerryCLI(config: config, folders: folders)
        ferry.environment["EXIT_TEST_TOKEN"] = "exit-test-token"
        return ferry
    }

    /// Every command that reads config.json: an invalid one is EX_CONFIG, the reason on stderr, nothing on stdout.
    @Test(arguments: [["check-config"], ["run"], ["watch"], ["download"], ["status"], ["status", "--json"], ["retry", "failed/x/y.xml"], ["ledger", "export"]])
    func anInvalidConfigExits78(command: [String]) async throws {
        let ferry = try Self.ferry(#"{ "stages": [ { "name": "a", "task": "no-such-task" } ], "colour": "blue" }"#)
        defer { ferry.remove() }
        let result = try await ferry.run(command)
        #expect(result.status == 78, "\(command): \(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("colour"), "\(command): \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(command): \(result.stdout)")
    }

    @Test func aJSONSyntaxErrorExits78WithItsLineAndColumn() async throws {
        let ferry = try Self.ferry("{\n  \"logLevel\": \"info\",\n  \"stages\": [ ,\n}")
        defer { ferry.remove() }
        let result = try await ferry.run(["check-config"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("line 3"), "\(result.stderr)")
        #expect(result.stderr.contains("column"), "\(result.stderr)")
    }

    @Test func aBadSharedBaseUrlIsReportedAtItsOwnPath() async throws {
        let ferry = try Self.ferry(Self.config(baseUrl: "shop.example.com"))
        defer { ferry.remove() }
        let result = try await ferry.run(["check-config"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("connections.magento.baseUrl"), "\(result.stderr)")
        #expect(!result.stderr.contains("settings.baseUrl"), "\(result.stderr)")
    }

    @Test func aValidConfigExits0() async throws {
        let ferry = try Self.ferry()
        defer { ferry.remove() }
        let result = try await ferry.run(["check-config"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("valid (2 stages)"))
    }

    @Test func downloadWithTheStoreDownExits75() async throws {
        let ferry = try Self.ferry()
        defer { ferry.remove() }
        let result = try await ferry.run(["download"])
        #expect(result.status == 75, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("download-orders"), "\(result.stderr)")
    }

    @Test func runWithTheStoreDownExits75AndKeepsTheFile() async throws {
        let ferry = try Self.ferry()
        defer { ferry.remove() }
        try Data(OperatorCredentialsTests.update.utf8).write(to: ferry.root.appendingPathComponent("inbox/updates/u.xml"))
        let result = try await ferry.run(["run"])
        #expect(result.status == 75, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("left for a later run 1"), "\(result.stdout)")
        // The next run takes the file up again and leaves it again: still 75, though an earlier run claimed it.
        let again = try await ferry.run(["run"])
        #expect(again.status == 75, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("left for a later run 1"), "\(again.stdout)")
    }

    @Test func runWithNothingToDoOrOnlyBadFilesExits0() async throws {
        let ferry = try Self.ferry()
        defer { ferry.remove() }
        try Data("not xml".utf8).write(to: ferry.root.appendingPathComponent("inbox/updates/bad.xml"))
        let result = try await ferry.run(["run"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("quarantined 1"), "\(result.stdout)")
    }

    @Test func statusIs0WhenHealthy2WithQuarantinedFiles3WhenDegraded() async throws {
        let ferry = try Self.ferry()
        defer { ferry.remove() }
        let healthy = try await ferry.run(["status", "--json"])
        #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
        #expect(!healthy.stdout.contains(#"\/"#), "no escaped slashes: \(healthy.stdout)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(healthy.stdout.utf8)) as? [String: Any])
        #expect(report["version"] as? String != nil)
        #expect(report["generatedAt"] as? String != nil)
        let stages = try #require(report["stages"] as? [[String: Any]])
        let modes = Dictionary(uniqueKeysWithValues: stages.map { ($0["name"] as? String ?? "", ($0["trigger"] as? [String: Any])?["mode"] as? String) })
        #expect(modes == ["download-orders": "on-demand", "update-orders": "inotify"], "watch mode structured: \(stages)")

        // The store down: the download waits for a retry, the stage is degraded.
        _ = try await ferry.run(["download"])
        let degraded = try await ferry.run(["status"])
        #expect(degraded.status == 3, "\(degraded.stdout)\(degraded.stderr)")
        #expect(degraded.stdout.contains("DEGRADED"))

        // A quarantined file needs a person: that outranks a transient failure.
        try Data("not xml".utf8).write(to: ferry.root.appendingPathComponent("inbox/updates/bad.xml"))
        _ = try await ferry.run(["run", "--stage", "update-orders"])
        let quarantined = try await ferry.run(["status", "--json"])
        #expect(quarantined.status == 2, "\(quarantined.stdout)\(quarantined.stderr)")
        #expect(quarantined.stdout.contains(#""health" : "quarantined""#), "\(quarantined.stdout)")
    }

    @Test func retryOfAFileOutsideFailedExits1() async throws {
        let ferry = try Self.ferry()
        defer { ferry.remove() }
        let result = try await ferry.run(["retry", "config.json"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("failed"), "\(result.stderr)")
    }

    @Test func versionPrintsTheVersion() async throws {
        let ferry = try Self.ferry()
        defer { ferry.remove() }
        let result = try await ferry.run(["--version"], withConfig: false)
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3, "\(result.stdout)")
    }
}

import FerryDemo
import Foundation
import Logging
import MagentoSandbox
import Testing

/// Operator commands under the documented `LoadCredential=` set-up, run by hand: the credentials folder
/// (`/run/credentials/ferry.service/`) exists only while the service runs, so nothing but a Magento call may read it.
@Suite struct OperatorCredentialsTests {
    static func config(baseUrl: String, credentialsFile: String) -> String {
        """
        { "connections": { "magento": { "baseUrl": "\(baseUrl)", "credentialsFile": "\(credentialsFile)", "maxAttempts": 1 } },
          "retry": { "initialSeconds": 1, "maxSeconds": 1 },
          "stages": [
            { "name": "download-orders", "task": "magento.download-orders", "settings": { "stages": ["pending"] },
              "outputs": { "out": "inbox/orders" } },
            { "name": "update-orders", "watch": "inbox/updates", "task": "magento.update-orders",
              "settings": { "notifyCustomer": false }, "outputs": { "success": "outbox/updated" } } ] }
        """
    }

    static let folders = ["inbox/orders", "inbox/updates", "outbox/updated", "failed/update-orders"]
    static let update = "<ArrayOfOrderInfo><OrderInfo><increment_id>100000001</increment_id></OrderInfo></ArrayOfOrderInfo>"

    /// Both ways of naming the credential: systemd's name, and the folder's absolute path the docs used to show.
    @Test(arguments: ["credential:magento.json", "/nonexistent/run/credentials/ferry.service/magento.json"])
    func statusRetryAndCheckConfigNeverReadTheSecret(credentialsFile: String) async throws {
        // Port 9 (discard) on 127.0.0.1: nothing answers, and nothing may be asked.
        var ferry = try FerryCLI(config: Self.config(baseUrl: "http://127.0.0.1:9", credentialsFile: credentialsFile), folders: Self.folders)
        defer { ferry.remove() }
        ferry.environment["CREDENTIALS_DIRECTORY"] = ferry.root.appendingPathComponent("run/credentials/ferry.service").path

        let check = try await ferry.run(["check-config"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("magento.json"), "check-config says where the secret will come from: \(check.stdout)")
        #expect(!(check.stdout + check.stderr).contains("cannot read"))

        try Data(Self.update.utf8).write(to: ferry.root.appendingPathComponent("failed/update-orders/u.xml"))
        let retry = try await ferry.run(["retry", "failed/update-orders/u.xml"])
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        #expect(FileManager.default.fileExists(atPath: ferry.root.appendingPathComponent("inbox/updates/u.xml").path))

        let status = try await ferry.run(["status"])
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("update-orders"))

        // The one command that calls Magento says what is missing, and keeps the file for a later run (75).
        let run = try await ferry.run(["run"])
        #expect(run.status == 75, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("no Magento credentials"), "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: ferry.root.appendingPathComponent("inbox/updates/.ferry-work").path))
    }

    @Test func aSystemdCredentialNameIsReadFromTheCredentialsDirectory() async throws {
        let sandbox = MagentoSandboxServer(
            seed: 5, orders: 3, catalogue: DemoCatalogueBridge.sandboxCatalogue(), logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try await sandbox.start(host: "127.0.0.1", port: 0)
        defer { Task { await sandbox.stop() } }
        var ferry = try FerryCLI(
            config: Self.config(baseUrl: "http://127.0.0.1:\(port)", credentialsFile: "credential:magento.json"), folders: Self.folders + ["creds"])
        defer { ferry.remove() }
        try Data(#"{"token": "sandbox-token"}"#.utf8).write(to: ferry.root.appendingPathComponent("creds/magento.json"))
        ferry.environment["CREDENTIALS_DIRECTORY"] = ferry.root.appendingPathComponent("creds").path

        let download = try await ferry.run(["download"])
        #expect(download.status == 0, "\(download.stdout)\(download.stderr)")
        #expect(download.stdout.contains("orders.downloaded 3"), "\(download.stdout)")
        #expect(!download.stderr.contains("sandbox-token"))
    }
}

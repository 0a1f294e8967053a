import FerryPipeline
import FerryStages
import Foundation
import Logging
import Sage200Connector
import Sage200Sandbox
import Synchronization
import Testing

/// The refresh token's coming expiry reaches the alert channels, not only the log: once the Sage 200 chain is
/// within `warnDaysBefore` days of its end, a Sage 200 stage tells its observers (the alert mail and webhook)
/// what to run, once a day.
@Suite(.serialized) struct ExpiryAlertTests {
    /// Hears only what needs action.
    final class Recorder: PipelineObserver {
        let messages = Mutex<[String]>([])
        func needsAttention(stage: String, message: String) { messages.withLock { $0.append("[\(stage)] \(message)") } }
    }

    @Test func aSage200StageRaisesTheExpiryOnceADay() async throws {
        try await withSage200 { sage in
            // A variable of its own: the process environment is shared by every test.
            setenv("FERRY_TEST_EXPIRY_SECRET", Sage200SandboxOptions().clientSecret, 1)
            let dir = sage.dir.appendingPathComponent("alert")
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("outbox"), withIntermediateDirectories: true)
            // Authorized just now, with a 10-day chain: inside the 14 days' warning.
            let config = """
                { "stateStore": "state/ferry.sqlite",
                  "connections": { "sage200": {
                    "apiUrl": "\(sage.server.apiURL)", "authUrl": "\(sage.server.baseURL)",
                    "clientId": "\(Sage200SandboxOptions().clientId)", "clientSecret": "${FERRY_TEST_EXPIRY_SECRET}",
                    "redirectUri": "https://ferry.example.com/sage200/callback", "site": "\(Sage200SandboxStore.siteName)",
                    "company": "\(Sage200SandboxStore.companyName)", "tokenFile": "\(sage.auth.tokenFile.path)",
                    "refreshTokenDays": 10, "warnDaysBefore": 14 } },
                  "stages": [ { "name": "stock", "task": "sage200.export-stock", "everySeconds": 300,
                                "outputs": { "out": "outbox" } } ] }
                """
            let file = dir.appendingPathComponent("config.json")
            try Data(config.utf8).write(to: file)
            let (loaded, _) = try ConfigLoader.load(file: file, registry: BuiltinTasks.registry)
            let recorder = Recorder()
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let pipeline = try Pipeline(config: loaded, registry: BuiltinTasks.registry, logger: logger, observers: [recorder])
            _ = try await pipeline.runScheduled(stage: "stock")
            _ = try await pipeline.runScheduled(stage: "stock")
            let messages = recorder.messages.withLock { $0 }
            #expect(messages.count == 1, "one alert a day, not one a run: \(messages)")
            let expiry = Sage200Authenticator.day(Date().addingTimeInterval(10 * 86_400))
            #expect(messages.first?.hasPrefix("[stock] the Sage 200 refresh token expires on \(expiry)") == true, "\(messages)")
            #expect(messages.first?.contains("ferry sage200 authorize") == true)
        }
    }

    @Test func noAlertWhileTheChainHasMoreThanTheWarningDaysLeft() async throws {
        try await withSage200 { sage in
            let quiet = Sage200Authenticator(configuration: sage.auth)  // 90 days, warned 14 before
            #expect(await quiet.expiryNotice() == nil)
            var soon = sage.auth
            soon.refreshTokenDays = 13
            let warned = Sage200Authenticator(configuration: soon)
            #expect(await warned.expiryNotice()?.contains("(12 days)") == true)
            #expect(await warned.expiryNotice() == nil, "the second notice within a day")
        }
    }
}

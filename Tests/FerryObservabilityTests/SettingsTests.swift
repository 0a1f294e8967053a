import FerryPipeline
import FerryTestSupport
import Foundation
import Logging
import Testing

@testable import FerryObservability

@Suite("Settings")
struct SettingsTests {
    @Test("No sections: no metrics, no alerts")
    func empty() async throws {
        try await withTemporaryDirectory { root in
            let settings = try ObservabilitySettings(config: try loadConfig(root: root, extra: ""))
            #expect(settings.metricsFile == nil)
            #expect(settings.alerts == nil)
        }
    }

    @Test("Defaults: metrics in state/ferry.prom; email on 587 with STARTTLS, 30 s")
    func defaults() async throws {
        try await withTemporaryDirectory { root in
            let config = try loadConfig(root: root, extra: """
                "metrics": {}, "alerts": { "email": { "server": "smtp.x", "from": "a@x", "to": "ops@x" } },
                """)
            let settings = try ObservabilitySettings(config: config)
            #expect(settings.metricsFile?.path == root.appendingPathComponent("state/ferry.prom").standardizedFileURL.path)
            let email = try #require(settings.alerts?.email)
            #expect(email.port == 587)
            #expect(email.starttls)
            #expect(email.to == ["ops@x"])
            #expect(email.timeoutSeconds == 30)
            #expect(settings.alerts?.webhook == nil)
        }
    }

    @Test("Every mistake is reported with its JSON path and a fix")
    func problems() async throws {
        try await withTemporaryDirectory { root in
            let config = try loadConfig(root: root, extra: """
                "metrics": { "textfile": "ferry.txt", "every": 5 },
                "alerts": {
                  "email": { "server": "smtp.x", "port": 70000, "starttls": "yes", "to": ["nobody"], "username": "u",
                             "password": "\(recognisableSecret)" },
                  "webhook": { "url": "ftp://x", "bearer": 5 },
                  "pager": {}
                },
                """)
            let error = try #require(throws: ObservabilityConfigError.self) { try ObservabilitySettings(config: config) }
            let paths = Set(error.problems.map(\.path))
            for path in [
                "metrics.textfile", "metrics.every", "alerts.pager", "alerts.email.port", "alerts.email.starttls",
                "alerts.email.from", "alerts.email.to[0]", "alerts.email.password", "alerts.webhook.url", "alerts.webhook.bearer",
            ] {
                #expect(paths.contains(path), "no problem reported at \(path)")
            }
            #expect(error.problems.first { $0.path == "alerts.email.password" }?.isWarning == true)
            #expect(!error.description.contains(recognisableSecret))
            #expect(error.description.contains(config.file.path))
            #expect(error.description.contains("must end in .prom"))
            #expect(throws: ObservabilityConfigError.self) { try Observers.make(config: config, registry: TaskRegistry([]), logger: Logger(label: "t")) }
        }
    }

    @Test("An empty alerts section says what to add")
    func emptyAlerts() async throws {
        try await withTemporaryDirectory { root in
            let config = try loadConfig(root: root, extra: #""alerts": {},"#)
            let problems = ObservabilitySettings.problems(in: config)
            #expect(problems.map(\.path) == ["alerts"])
            #expect(problems.first?.message.contains("\"email\" nor \"webhook\"") == true)
        }
    }
}

@testable import FerryPipeline
import Foundation
import Logging
import Synchronization
import Testing

/// A SIGHUP reload that can start neither the new configuration nor the old one again.
@Suite(.serialized) struct ReloadTests {
    /// Counts the builds of a task kind; only the first one succeeds (a licence server gone after the start).
    final class Builds: Sendable {
        let count = Mutex(0)
    }

    @Test func aReloadThatCannotRestartEvenTheOldConfigurationStopsWithAnError() async throws {
        let h = try Harness()
        let config = try h.writeConfig(stage: #"{ "name": "map", "watch": "inbox/in", "task": "once", "outputs": { "out": "outbox/out" } }"#)
        let builds = Builds()
        let kind = TaskKind.file(name: "once", settingsKeys: []) { _, _ in
            guard builds.count.withLock({ count in count += 1; return count }) == 1 else {
                throw TaskError.transient("the licence server is gone")
            }
            return CopyTask()
        }
        let registry = TaskRegistry([kind])
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let service = WatchService(pipeline: try h.load(config, registry: registry), configFile: config, registry: registry, logger: logger)
        // As SIGHUP does: config.json is valid, so the running pipeline stops for the reload.
        service.requestReload()
        let error = await #expect(throws: PipelineError.self) { try await service.run() }
        #expect(error?.description.contains("the licence server is gone") == true)
        #expect(builds.count.withLock { $0 } == 3)
    }
}

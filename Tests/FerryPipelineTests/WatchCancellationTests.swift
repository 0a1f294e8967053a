@testable import FerryPipeline
import FerryStages
import Foundation
import Logging
import Testing

/// `ferry watch`'s service when its task is cancelled (a parent that gives up on it, not a graceful shutdown).
@Suite(.serialized) struct WatchCancellationTests {
    /// The time limit is a hang guard, not a speed check: a service that loops after the cancellation never
    /// returns.
    @Test(.timeLimit(.minutes(1)), arguments: [false, true]) func aCancelledWatchServiceReturns(whileStarting: Bool) async throws {
        let h = try Harness()
        let config = try h.writeConfig()
        let registry = BuiltinTasks.registry
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let service = WatchService(pipeline: try h.load(config, registry: registry), configFile: config, registry: registry, logger: logger)
        try h.deliver("a.xml", Harness.order(1))
        let running = Task { try await service.run() }
        if !whileStarting {
            // Watching: the delivered file comes out the other side.
            while h.files(in: h.outbox).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        }
        running.cancel()
        // Ended, by returning or by throwing the cancellation: either way it did end.
        _ = await running.result
        if !whileStarting { #expect(h.files(in: h.outbox) == ["a.xml"]) }
    }
}

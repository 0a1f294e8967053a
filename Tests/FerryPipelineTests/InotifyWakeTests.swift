import FerryTestSupport
import Foundation
import Testing

/// The inotify reader's wake-up leaves nothing behind on disk.
@Suite(.serialized) struct InotifyWakeTests {
    @Test func watchingLeavesNothingInTheTemporaryDirectory() async throws {
        let h = try Harness()
        _ = try h.writeConfig()
        try await h.startWatching()
        try h.deliver("a.xml", Harness.order(1))
        try await waitUntil("the output") { h.files(in: h.outbox).count == 1 }
        // Stopping removes the watches: more wake-ups of the reader thread.
        await h.stop()
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("ferry-inotify-wake-\(getpid())-") }
        #expect(leftovers.isEmpty)
    }
}

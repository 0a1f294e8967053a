import FerryTestSupport
import Foundation
import Testing

/// The inotify reader's wake-up leaves nothing behind on disk.
@Suite(.serialized) struct InotifyWakeTests {
    @Test func watchingLeavesNothingInTheTemporaryDirectory() async throws {
        // Only folders this run makes count: a process of an older build with the same pid may have left some.
        func wakeFolders() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
                .filter { $0.hasPrefix("ferry-inotify-wake-\(getpid())-") })
        }
        let before = try wakeFolders()
        let h = try Harness()
        _ = try h.writeConfig()
        try await h.startWatching()
        try h.deliver("a.xml", Harness.order(1))
        try await waitUntil("the output") { h.files(in: h.outbox).count == 1 }
        // Stopping removes the watches: more wake-ups of the reader thread.
        await h.stop()
        let leftovers = try wakeFolders().subtracting(before)
        #expect(leftovers.isEmpty)
    }
}

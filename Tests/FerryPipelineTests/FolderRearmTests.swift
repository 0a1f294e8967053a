import FileWatching
import Foundation
import Logging
import Testing

/// The inotify reader watches a folder again once it has been deleted and recreated, and says events may have
/// been lost meanwhile (a rescan), without the engine around it.
@Suite(.serialized) struct FolderRearmTests {
    /// The next event for `folder` that `matches`, skipping any other.
    static func next(
        _ events: inout AsyncStream<FolderEvent>.Iterator, in folder: String, _ matches: (FolderEvent) -> Bool
    ) async -> FolderEvent? {
        while let event = await events.next() {
            if event.folder == folder, matches(event) { return event }
        }
        return nil
    }

    @Test(.timeLimit(.minutes(2))) func aDeletedAndRecreatedFolderIsWatchedAgainAfterARescan() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-rearm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let watcher = FolderWatcher(
            folders: [(folder.path, .inotify)], rescanInterval: .seconds(3600),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        await watcher.start()
        defer { watcher.stop() }
        #expect(watcher.effectiveModes[folder.path] == .inotify)
        var events = watcher.events.makeAsyncIterator()
        let first = await Self.next(&events, in: folder.path) { _ in true }
        #expect(first?.kind == .rescan)

        try FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Two rescans: one when the watch goes with the folder, one when it is re-armed (files may have arrived
        // while the folder had no watch). The watch is in place before the second.
        let gone = await Self.next(&events, in: folder.path) { $0.kind == .rescan }
        let rearmed = await Self.next(&events, in: folder.path) { $0.kind == .rescan }
        #expect(gone != nil && rearmed != nil)

        // And events flow again from the new folder.
        let temp = folder.appendingPathComponent(".a.xml.part")
        try Data("<a/>".utf8).write(to: temp)
        try FileManager.default.moveItem(at: temp, to: folder.appendingPathComponent("a.xml"))
        let arrived = await Self.next(&events, in: folder.path) { $0.name == "a.xml" }
        #expect(arrived?.kind == .movedIn)
    }
}

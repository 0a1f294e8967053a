@testable import FerryPipeline
@testable import FileWatching
import Testing

/// The settle tracker alone, with a hand-driven clock and `lstat`.
@Suite struct SettleTrackerTests {
    static let settle = Duration.milliseconds(200)
    static let start = ContinuousClock.now
    /// A wall clock far past every mtime below: files are old unless a test says otherwise.
    static let wallClock: Int64 = 10_000_000_000_000

    static func file(_ name: String, size: Int64 = 10, modified: Int64 = 1_000, kind: FolderEntry.Kind = .regularFile) -> FolderEntry {
        FolderEntry(name: name, kind: kind, size: size, modifiedNanoseconds: modified)
    }

    /// Takes what settled at `offset` after the start, with `files` as what `lstat` finds.
    static func take(
        _ tracker: inout SettleTracker, at offset: Duration, files: [FolderEntry], openForWriting: Set<String> = []
    ) -> [String] {
        let byName = Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0) })
        return tracker.takeSettled(now: start + offset, stat: { byName[$0] }, isOpenForWriting: { openForWriting.contains($0) })
            .map(\.name)
    }

    @Test func aFileRenamedInIsTakenAtOnceAndAFreshOneAfterTheSettleTime() {
        var tracker = SettleTracker(settle: Self.settle)
        let fresh = Self.file("fresh.xml", modified: Self.wallClock)
        tracker.observe(Self.file("renamed.xml"), renamedIn: true, now: Self.start, wallClockNanoseconds: Self.wallClock)
        tracker.observe(fresh, renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        let files = [Self.file("renamed.xml"), fresh]
        #expect(Self.take(&tracker, at: .zero, files: files) == ["renamed.xml"])
        #expect(Self.take(&tracker, at: .milliseconds(199), files: files).isEmpty)
        #expect(tracker.nextCheck(after: Self.start) == Self.start + .milliseconds(100))
        #expect(Self.take(&tracker, at: .milliseconds(200), files: files) == ["fresh.xml"])
        #expect(tracker.isEmpty)
        #expect(tracker.nextCheck(after: Self.start) == nil)
    }

    @Test func aFileOlderThanTheSettleTimeIsTakenAtOnce() {
        var tracker = SettleTracker(settle: Self.settle)
        tracker.observe(Self.file("old.xml"), renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        #expect(Self.take(&tracker, at: .zero, files: [Self.file("old.xml")]) == ["old.xml"])
    }

    @Test func aGrowingFileWaitsUntilItStopsChanging() {
        var tracker = SettleTracker(settle: Self.settle)
        tracker.observe(Self.file("slow.xml", size: 1, modified: Self.wallClock), renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        // It grew before its settle time ran out: the time starts again.
        #expect(Self.take(&tracker, at: .milliseconds(150), files: [Self.file("slow.xml", size: 2, modified: Self.wallClock + 1)]).isEmpty)
        #expect(Self.take(&tracker, at: .milliseconds(300), files: [Self.file("slow.xml", size: 2, modified: Self.wallClock + 1)]).isEmpty)
        #expect(Self.take(&tracker, at: .milliseconds(350), files: [Self.file("slow.xml", size: 2, modified: Self.wallClock + 1)]) == ["slow.xml"])
    }

    @Test func aFileStillOpenForWritingWaitsAnotherSettleTime() {
        var tracker = SettleTracker(settle: Self.settle)
        let file = Self.file("held.xml")
        tracker.observe(file, renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        #expect(Self.take(&tracker, at: .zero, files: [file], openForWriting: ["held.xml"]).isEmpty)
        #expect(Self.take(&tracker, at: .milliseconds(100), files: [file]).isEmpty)
        #expect(Self.take(&tracker, at: .milliseconds(200), files: [file]) == ["held.xml"])
    }

    /// Renamed in is complete by convention (docs/architecture.md): no lease is asked for it, unless it changed
    /// after the rename, when it settles like any file written in place.
    @Test func aFileRenamedInIsTakenWithoutAskingWhetherItIsOpenUntilItChanges() {
        var tracker = SettleTracker(settle: Self.settle)
        var asked: [String] = []
        func take(at offset: Duration, _ files: [FolderEntry]) -> [String] {
            let byName = Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0) })
            return tracker.takeSettled(now: Self.start + offset, stat: { byName[$0] }, isOpenForWriting: { name in
                asked.append(name)
                return true
            }).map(\.name)
        }
        tracker.observe(Self.file("renamed.xml"), renamedIn: true, now: Self.start, wallClockNanoseconds: Self.wallClock)
        #expect(take(at: .zero, [Self.file("renamed.xml")]) == ["renamed.xml"])
        #expect(asked.isEmpty)
        // Renamed in, then written to: its writer still has it open, so it waits.
        tracker.observe(Self.file("again.xml"), renamedIn: true, now: Self.start, wallClockNanoseconds: Self.wallClock)
        let grown = Self.file("again.xml", size: 20, modified: 2_000)
        tracker.observe(grown, renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        #expect(take(at: .milliseconds(300), [grown]).isEmpty)
        #expect(asked == ["again.xml"])
    }

    @Test func aFileGoneIsForgottenAndLinksAreTakenAtOnceSorted() {
        var tracker = SettleTracker(settle: Self.settle)
        tracker.observe(Self.file("gone.xml"), renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        tracker.observe(Self.file("b-link", kind: .symbolicLink), renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        tracker.observe(Self.file("a-fifo", kind: .special), renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        let files = [Self.file("b-link", kind: .symbolicLink), Self.file("a-fifo", kind: .special)]
        #expect(Self.take(&tracker, at: .zero, files: files) == ["a-fifo", "b-link"])
        #expect(tracker.isEmpty)
    }

    @Test func aListingDropsWhatItNoLongerFinds() {
        var tracker = SettleTracker(settle: Self.settle)
        for name in ["a.xml", "b.xml"] {
            tracker.observe(Self.file(name, modified: Self.wallClock), renamedIn: false, now: Self.start, wallClockNanoseconds: Self.wallClock)
        }
        tracker.keepOnly(["b.xml"])
        #expect(!tracker.isTracking("a.xml"))
        #expect(tracker.isTracking("b.xml"))
        #expect(tracker.count == 1)
    }
}

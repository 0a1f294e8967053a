import FileWatching

/// Which files of a folder have stopped changing: a file is taken once its size and mtime stayed the same for
/// the settle time and no process has it open for writing; a file renamed into the folder is complete by
/// convention and taken at once.
///
/// Pure: the clock, `lstat` and the open-for-writing check are passed in, so tests drive it step by step. A file
/// is taken in two steps: ``takeDue(now:stat:)`` when its settle time is up, then ``verdict(on:found:isOpenForWriting:)``
/// just before its claim.
struct SettleTracker {
    /// A file seen in the folder and not yet taken.
    struct Candidate: Equatable, Sendable {
        var size: Int64
        var modified: Int64
        /// When its size or mtime last changed (or when it was first seen).
        var lastChange: ContinuousClock.Instant
    }

    /// How long a file must stay unchanged.
    let settle: Duration
    private(set) var candidates: [String: Candidate] = [:]

    init(settle: Duration) {
        self.settle = settle
    }

    var isEmpty: Bool { candidates.isEmpty }
    var count: Int { candidates.count }

    /// Notes an entry the watcher or a listing reported.
    ///
    /// - Parameters:
    ///   - renamedIn: it arrived by a rename into the folder (complete by convention).
    ///   - now: the monotonic clock's reading.
    ///   - wallClockNanoseconds: the wall clock, to compare with the file's mtime: a file untouched for the
    ///     settle time already (present before the start) is taken at the next step.
    mutating func observe(_ entry: FolderEntry, renamedIn: Bool, now: ContinuousClock.Instant, wallClockNanoseconds: Int64) {
        switch entry.kind {
        case .directory:
            // A folder dropped in an inbox is moved out with a reason once it stops changing: left in place it
            // would re-trigger a systemd DirectoryNotEmpty path unit for ever.
            guard candidates[entry.name] == nil else { return }
            candidates[entry.name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: now)
        case .symbolicLink, .special:
            // Never followed or opened: claimed (a rename moves the link or FIFO itself) and quarantined.
            candidates[entry.name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: now - settle)
        case .regularFile:
            let settled = renamedIn || wallClockNanoseconds - entry.modifiedNanoseconds >= settle.nanoseconds
            if let previous = candidates[entry.name], previous.size == entry.size,
                previous.modified == entry.modifiedNanoseconds, !renamedIn
            {
                return
            }
            candidates[entry.name] = Candidate(
                size: entry.size, modified: entry.modifiedNanoseconds, lastChange: settled ? now - settle : now)
        }
    }

    /// Forgets the candidates a listing no longer found.
    mutating func keepOnly(_ present: Set<String>) {
        candidates = candidates.filter { present.contains($0.key) }
    }

    /// True when `name` is being watched settle.
    func isTracking(_ name: String) -> Bool { candidates[name] != nil }

    /// A candidate whose settle time is up, taken out of the tracker: ``verdict(on:found:isOpenForWriting:)``
    /// decides, with a fresh `lstat`, just before its claim.
    struct Due: Sendable {
        let name: String
        let candidate: Candidate
    }

    /// What a due candidate's last look found.
    enum Verdict: Sendable {
        /// Unchanged and not open for writing: claim it, with what `lstat` found (the claim need not read it again).
        case settled(FolderEntry)
        /// Changed, or still open for writing (a slow writer between two chunks): its settle time starts again
        /// (``settleAgain(_:now:)``).
        case changed(FolderEntry)
        /// No longer there: forgotten.
        case gone
    }

    /// Takes the candidates whose settle time is up at `now`, sorted by name; the others are read with `stat`
    /// (nil when gone) so that a change restarts their settle time even when the watcher says nothing.
    ///
    /// The due ones get their last look (``verdict(on:found:isOpenForWriting:)``) off the caller's thread, in
    /// the job that claims them: on a burst of thousands that look was a serial tenth of the burst's time.
    mutating func takeDue(now: ContinuousClock.Instant, stat: (String) -> FolderEntry?) -> [Due] {
        var due: [Due] = []
        for (name, candidate) in candidates {
            if now - candidate.lastChange >= settle {
                due.append(Due(name: name, candidate: candidate))
                candidates[name] = nil
                continue
            }
            guard let entry = stat(name) else {
                candidates[name] = nil
                continue
            }
            if entry.kind == .regularFile || entry.kind == .directory, Self.changed(candidate, entry) {
                candidates[name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: now)
            }
        }
        return due.sorted { $0.name < $1.name }
    }

    /// The last look at a due candidate, as `lstat` found it just now.
    ///
    /// - Parameter isOpenForWriting: whether some process has the regular file open for writing.
    static func verdict(on due: Due, found: FolderEntry?, isOpenForWriting: (String) -> Bool) -> Verdict {
        guard let entry = found else { return .gone }
        if entry.kind == .regularFile || entry.kind == .directory, changed(due.candidate, entry) { return .changed(entry) }
        if entry.kind == .regularFile, isOpenForWriting(due.name) { return .changed(entry) }
        return .settled(entry)
    }

    /// Tracks a due candidate again whose last look found it changed or still open for writing: its settle time
    /// starts again at `now`.
    mutating func settleAgain(_ entry: FolderEntry, now: ContinuousClock.Instant) {
        candidates[entry.name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: now)
    }

    private static func changed(_ candidate: Candidate, _ entry: FolderEntry) -> Bool {
        entry.size != candidate.size || entry.modifiedNanoseconds != candidate.modified
    }

    /// When the next candidate may have settled: checked at least every 100 ms while any wait, so a change is
    /// noticed even when the watcher says nothing (a folder in poll mode).
    func nextCheck(after now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        candidates.values.map { $0.lastChange + settle }.min().map { min($0, now + .milliseconds(100)) }
    }
}

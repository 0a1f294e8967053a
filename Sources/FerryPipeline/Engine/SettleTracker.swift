import FileWatching

/// Which files of a folder have stopped changing: a file is taken once its size and mtime stayed the same for
/// the settle time and no process has it open for writing; a file renamed into the folder is complete by
/// convention and taken at once, without asking whether it is open for writing.
///
/// Pure: the clock, `lstat` and the open-for-writing check are passed in, so tests drive it step by step.
struct SettleTracker {
    /// A file seen in the folder and not yet taken.
    struct Candidate: Equatable {
        var size: Int64
        var modified: Int64
        /// When its size or mtime last changed (or when it was first seen).
        var lastChange: ContinuousClock.Instant
        /// It arrived by a rename and has not changed since: complete by convention, so no lease is asked for
        /// it. The lease's open, two `fcntl`s and close were a tenth of a one-order file's system calls in a
        /// burst; a writer that breaks the convention is still caught when its file fails to parse
        /// (`InputCompleteness.mayStillBeWritten`).
        var renamedIn = false
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
                size: entry.size, modified: entry.modifiedNanoseconds, lastChange: settled ? now - settle : now,
                renamedIn: renamedIn)
        }
    }

    /// Forgets the candidates a listing no longer found.
    mutating func keepOnly(_ present: Set<String>) {
        candidates = candidates.filter { present.contains($0.key) }
    }

    /// True when `name` is being watched settle.
    func isTracking(_ name: String) -> Bool { candidates[name] != nil }

    /// Takes the candidates settled at `now`, sorted by name, with what `lstat` found (so a claim need not read
    /// them again). A candidate gone is forgotten; one that changed, or (unless renamed in and unchanged since) is
    /// still open for writing (a slow writer between two chunks), starts its settle time again.
    ///
    /// - Parameters:
    ///   - stat: `lstat` of a candidate by name; nil when it no longer exists.
    ///   - isOpenForWriting: whether some process has the regular file open for writing.
    mutating func takeSettled(
        now: ContinuousClock.Instant, stat: (String) -> FolderEntry?, isOpenForWriting: (String) -> Bool
    ) -> [FolderEntry] {
        var settled: [FolderEntry] = []
        for (name, candidate) in candidates {
            guard let entry = stat(name) else {
                candidates[name] = nil
                continue
            }
            let changed = entry.size != candidate.size || entry.modifiedNanoseconds != candidate.modified
            if entry.kind == .regularFile || entry.kind == .directory, changed {
                candidates[name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: now)
            } else if now - candidate.lastChange >= settle {
                if entry.kind == .regularFile, !candidate.renamedIn, isOpenForWriting(name) {
                    candidates[name] = Candidate(size: entry.size, modified: entry.modifiedNanoseconds, lastChange: now)
                    continue
                }
                settled.append(entry)
                candidates[name] = nil
            }
        }
        return settled.sorted { $0.name < $1.name }
    }

    /// When the next candidate may have settled: checked at least every 100 ms while any wait, so a change is
    /// noticed even when the watcher says nothing (a folder in poll mode).
    func nextCheck(after now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        candidates.values.map { $0.lastChange + settle }.min().map { min($0, now + .milliseconds(100)) }
    }
}

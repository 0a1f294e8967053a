import FerryValues
import Foundation
import Synchronization

/// Engine-wide settings a runner needs.
struct EngineSettings: Sendable {
    var settle: Duration
    var retry: RetryPolicy
    let archiveRoot: URL
    var failedFolder: URL
    /// In a drain (`ferry run`), transient failures are retried this many times, then left for the next run.
    var drainAttempts: Int?
    /// Metrics, alerts, progress.
    var observers: [any PipelineObserver] = []
    /// `archiveRoot.path`, decoded once: `URL.path` decodes on every call, once per file of a burst (#18).
    private let archiveRootPath: String
    private let lastArchiveFolder = LastArchiveFolder()

    init(
        settle: Duration, retry: RetryPolicy, archiveRoot: URL, failedFolder: URL, drainAttempts: Int? = nil,
        observers: [any PipelineObserver] = []
    ) {
        self.settle = settle
        self.retry = retry
        self.archiveRoot = archiveRoot
        self.failedFolder = failedFolder
        self.drainAttempts = drainAttempts
        self.observers = observers
        archiveRootPath = archiveRoot.path
    }

    /// `archive/YYYY-MM-DD/<stage>` for the local (Gregorian) day of `date`, built without `URL` (its
    /// appending showed in the burst profile).
    func archiveFolderPath(for stage: String, at date: Date) -> String {
        // Every second of a minute is on the same local day (time zones and their changes fall on whole minutes):
        // the files of a burst reuse the last path built, which was 1 % of a burst's instructions (#18).
        let minute = Int((date.timeIntervalSince1970 / 60).rounded(.down))
        if let path = lastArchiveFolder.path(minute: minute, stage: stage) { return path }
        // localtime_r, not a DateFormatter or Calendar: a formatter per file cost 7.6 % of the engine's time in
        // the burst benchmark and a Calendar 2.8 %. Both read the same zone (TZ, else /etc/localtime).
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var day = tm()
        localtime_r(&seconds, &day)
        // Not `String(format:)`: it was 1.3 % of a burst's samples.
        let year = String(zeroPadded: Int(day.tm_year) + 1900, width: 4)
        let month = String(zeroPadded: Int(day.tm_mon) + 1, width: 2)
        let name = year + "-" + month + "-" + String(zeroPadded: Int(day.tm_mday), width: 2)
        let path = archiveRootPath + "/" + name + "/" + stage
        lastArchiveFolder.remember(path, minute: minute, stage: stage)
        return path
    }
}

/// The archive folder path built last, with the minute and stage it was built for.
private final class LastArchiveFolder: Sendable {
    private let last = Mutex<(minute: Int, stage: String, path: String)?>(nil)

    func path(minute: Int, stage: String) -> String? {
        last.withLock { last in
            guard let last, last.minute == minute, last.stage == stage else { return nil }
            return last.path
        }
    }

    func remember(_ path: String, minute: Int, stage: String) { last.withLock { $0 = (minute, stage, path) } }
}

import FerryValues
import Foundation

/// Engine-wide settings a runner needs.
struct EngineSettings: Sendable {
    var settle: Duration
    var retry: RetryPolicy
    var archiveRoot: URL
    var failedFolder: URL
    /// In a drain (`ferry run`), transient failures are retried this many times, then left for the next run.
    var drainAttempts: Int?
    /// Metrics, alerts, progress.
    var observers: [any PipelineObserver] = []

    /// `archive/YYYY-MM-DD/<stage>` for the local (Gregorian) day of `date`, built without `URL` (its
    /// appending showed in the burst profile).
    func archiveFolderPath(for stage: String, at date: Date) -> String {
        // localtime_r, not a DateFormatter or Calendar: a formatter per file cost 7.6 % of the engine's time in
        // the burst benchmark and a Calendar 2.8 %. Both read the same zone (TZ, else /etc/localtime).
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var day = tm()
        localtime_r(&seconds, &day)
        // Not `String(format:)`: it was 1.3 % of a burst's samples.
        let year = String(zeroPadded: Int(day.tm_year) + 1900, width: 4)
        let month = String(zeroPadded: Int(day.tm_mon) + 1, width: 2)
        let name = year + "-" + month + "-" + String(zeroPadded: Int(day.tm_mday), width: 2)
        return archiveRoot.path + "/" + name + "/" + stage
    }
}

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
        // Digits by hand: `String(format:)` was 1.3 % of a burst's samples.
        let name = Self.digits(Int(day.tm_year) + 1900, 4) + "-" + Self.digits(Int(day.tm_mon) + 1, 2) + "-"
            + Self.digits(Int(day.tm_mday), 2)
        return archiveRoot.path + "/" + name + "/" + stage
    }

    /// `value` in decimal, zero-padded to `width` digits (`%0*d` for the non-negative values of a date).
    static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

public import FerryValues
public import FileWatching
public import Foundation
public import Logging

/// config.json, validated: the folder root, the stages and how the engine treats files.
///
/// Built by ``ConfigLoader``, which reports every problem with its JSON path and the fix.
public struct FerryConfig: Sendable {
    /// The config file it was read from.
    public var file: URL
    /// Where relative folders start (default: the config file's folder).
    public var root: URL
    /// The SQLite state store.
    public var stateStore: URL
    /// Log level for `ferry watch` and `ferry run`.
    public var logLevel: Logger.Level
    /// How long a file must stay unchanged (size and mtime) before it is taken, unless it was renamed in.
    public var settle: Duration
    /// Every folder is listed again at this interval, as a safety net for lost events.
    public var rescanInterval: Duration
    /// `archive/YYYY-MM-DD/<stage>/<name>`: the archive folder.
    public var archiveFolder: URL
    /// Archive days older than this are deleted; nil keeps everything.
    public var archiveRetentionDays: Int?
    /// Archive days older than this are zipped into `YYYY-MM-DD.zip`; nil leaves them as folders.
    public var archiveZipAfterDays: Int? = nil
    /// `failed/<stage>/<name>`: quarantined inputs with their reasons.
    public var failedFolder: URL
    /// Quarantined files (and their reason files) older than this are deleted; nil keeps them until retried.
    public var failedRetentionDays: Int? = nil
    /// Backoff for transient failures.
    public var retry: RetryPolicy
    /// Watch mode per folder (default inotify).
    public var folderModes: [URL: WatchMode]
    /// Named connection blocks (`magento`), handed to the tasks that use them.
    public var connections: [String: JSONValue]
    /// Top-level sections read outside the engine (`alerts`, `metrics`, `console`, `sageSim`), as written.
    public var sections: [String: JSONValue]
    /// The stages, in config order.
    public var stages: [StageConfig]

    /// The watch mode of `folder`.
    public func mode(of folder: URL) -> WatchMode {
        folderModes[folder.standardizedFileURL] ?? .inotify
    }
}

/// One stage: a task, what triggers it, where its outputs go.
public struct StageConfig: Sendable {
    /// Unique name, used in logs, status, the archive and `failed/` folders.
    public var name: String
    /// The task's registered name.
    public var task: String
    /// The folder it watches, for file-triggered tasks.
    public var watch: URL?
    /// The interval of a scheduled task (nil: only on demand).
    public var every: Duration?
    /// The task's settings.
    public var settings: JSONValue
    /// Named output folders (`out`, `fail`, ...).
    public var outputs: [String: URL]
    /// Where the stage sits in config.json, for messages: `stages[2]`.
    public var path: String
}

extension RetryPolicy {
    /// The engine's defaults (config.json's `retry`): 1 s doubling to 5 min, less up to 20 % so that many files
    /// failing together retry spread out; errors that do not say whether they are transient quarantined after 5
    /// attempts.
    public static let files = RetryPolicy(maxAttempts: 5, initial: .seconds(1), maximum: .seconds(300), jitter: 0.2)
}

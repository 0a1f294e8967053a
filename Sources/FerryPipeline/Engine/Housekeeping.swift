import DurableFiles
public import Foundation
public import Logging
import ArchiveZip

/// The one clean-up of ferry's record folders: archive days are zipped after `archive.zipAfterDays` and deleted
/// after `archive.retentionDays`; quarantined files are deleted after `failed.retentionDays`.
///
/// A day is "older than N days" when its name is before the local date N days ago (the archive names days by the
/// local date, as ``EngineSettings/archiveFolderPath(for:at:)`` does). A quarantined file's age is that of its reason
/// file, written when it was quarantined (a quarantine is a rename, which keeps the file's own older mtime); a file
/// without one counts from its own mtime. ``survey(now:)`` says what ``clean(now:logger:)`` would do, for
/// `ferry status`.
public struct Housekeeping: Sendable {
    /// The archive as `ferry status` shows it.
    public struct ArchiveSummary: Codable, Sendable, Equatable {
        /// The archive folder.
        public var folder: String
        /// Day folders (`YYYY-MM-DD/`).
        public var days: Int
        /// Zipped days (`YYYY-MM-DD.zip`).
        public var zippedDays: Int
        /// The oldest day kept, folder or zip.
        public var oldest: String?
        /// `archive.zipAfterDays`, nil when off.
        public var zipAfterDays: Int?
        /// `archive.retentionDays`, nil when off.
        public var retentionDays: Int?
        /// Day folders the next clean-up zips.
        public var nextZip: [String]
        /// Days (folders or zips) the next clean-up deletes.
        public var nextRemove: [String]
    }

    /// The `failed/` folder as `ferry status` shows it.
    public struct FailedSummary: Codable, Sendable, Equatable {
        /// The failed folder.
        public var folder: String
        /// Quarantined files (reason files not counted).
        public var files: Int
        /// When the oldest was quarantined (ISO 8601).
        public var oldest: String?
        /// `failed.retentionDays`, nil when off.
        public var retentionDays: Int?
        /// The quarantined files the next clean-up deletes, with their reason files.
        public var nextRemove: [String]
    }

    /// Both, for `ferry status`.
    public struct Survey: Codable, Sendable, Equatable {
        /// The archive.
        public var archive: ArchiveSummary
        /// `failed/`.
        public var failed: FailedSummary
    }

    let archiveFolder: URL
    let zipAfterDays: Int?
    let retentionDays: Int?
    let failedFolder: URL
    let failedRetentionDays: Int?

    /// The clean-up `config` asks for.
    public init(config: FerryConfig) {
        archiveFolder = config.archiveFolder
        zipAfterDays = config.archiveZipAfterDays
        retentionDays = config.archiveRetentionDays
        failedFolder = config.failedFolder
        failedRetentionDays = config.failedRetentionDays
    }

    /// True when any clean-up is configured.
    public var isEnabled: Bool { zipAfterDays != nil || retentionDays != nil || failedRetentionDays != nil }

    /// What is there and what ``clean(now:logger:)`` would do at `now`.
    public func survey(now: Date = Date()) -> Survey {
        let (folders, zips) = archiveDays()
        let plan = archivePlan(folders: folders, zips: zips, now: now)
        let quarantined = quarantinedFiles()
        let cutoff = failedRetentionDays.map { now.addingTimeInterval(-Double($0) * 86_400) }
        return Survey(
            archive: ArchiveSummary(
                folder: archiveFolder.path, days: folders.count, zippedDays: zips.count, oldest: (folders + zips).min(),
                zipAfterDays: zipAfterDays, retentionDays: retentionDays, nextZip: plan.zip, nextRemove: plan.remove),
            failed: FailedSummary(
                folder: failedFolder.path, files: quarantined.count,
                oldest: quarantined.map(\.since).min().map { ISO8601DateFormatter().string(from: $0) },
                retentionDays: failedRetentionDays,
                nextRemove: cutoff.map { cutoff in quarantined.filter { $0.since < cutoff }.map(\.file.path).sorted() } ?? []))
    }

    /// Zips, then deletes, what is due at `now`, logging each step; a failure is logged and the rest goes on.
    /// Blocking file work: call it through ``offload(_:)``.
    public func clean(now: Date = Date(), logger: Logger) {
        removeStaleTemporaries(logger: logger)
        let (folders, zips) = archiveDays()
        let plan = archivePlan(folders: folders, zips: zips, now: now)
        for day in plan.zip {
            do {
                try zip(day: day)
                logger.info("archive day zipped", metadata: ["ferry.day": "\(day)", "ferry.file": "\(day).zip"])
            } catch {
                logger.warning("cannot zip an archive day; it stays a folder", metadata: ["ferry.day": "\(day)", "ferry.reason": "\(error)"])
            }
        }
        for day in plan.remove {
            for name in [day, day + ".zip"] where FileManager.default.fileExists(atPath: archiveFolder.appendingPathComponent(name).path) {
                remove(archiveFolder.appendingPathComponent(name), logger: logger, message: "archive day removed by retention", metadata: ["ferry.day": "\(name)"])
            }
        }
        guard let days = failedRetentionDays else { return }
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        for entry in quarantinedFiles() where entry.since < cutoff {
            let metadata: Logger.Metadata = ["ferry.stage": "\(entry.file.deletingLastPathComponent().lastPathComponent)", "ferry.file": "\(entry.file.lastPathComponent)"]
            remove(entry.file, logger: logger, message: "quarantined file removed by retention", metadata: metadata)
            let reason = URL(fileURLWithPath: entry.file.path + ".error.txt")
            if FileManager.default.fileExists(atPath: reason.path) { remove(reason, logger: nil, message: "", metadata: [:]) }
        }
    }

    // MARK: The archive

    /// Dated day folders and day zips, by day name.
    func archiveDays() -> (folders: [String], zips: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: archiveFolder.path)) ?? []
        var folders: [String] = []
        var zips: [String] = []
        for name in names {
            if Self.isDay(name) {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: archiveFolder.appendingPathComponent(name).path, isDirectory: &isDirectory), isDirectory.boolValue {
                    folders.append(name)
                }
            } else if name.hasSuffix(".zip"), Self.isDay(String(name.dropLast(4))) {
                zips.append(String(name.dropLast(4)))
            }
        }
        return (folders.sorted(), zips.sorted())
    }

    /// Folders due for zipping (and not for deletion), and days (folder or zip) due for deletion.
    private func archivePlan(folders: [String], zips: [String], now: Date) -> (zip: [String], remove: [String]) {
        let removeBefore = retentionDays.map { Self.day(now.addingTimeInterval(-Double($0) * 86_400)) }
        let zipBefore = zipAfterDays.map { Self.day(now.addingTimeInterval(-Double($0) * 86_400)) }
        let remove = Set(folders + zips).filter { day in removeBefore.map { day < $0 } ?? false }.sorted()
        let zip = folders.filter { day in !remove.contains(day) && (zipBefore.map { day < $0 } ?? false) }
        return (zip, remove)
    }

    /// `archive/DAY/` into `archive/DAY.zip`: written under a hidden name, fsynced, renamed, the folder fsynced,
    /// and only then the day folder removed. A crash leaves either the folder alone (the temporary is removed at
    /// the next clean-up) or the complete zip beside it (the folder is removed at the next clean-up).
    private func zip(day: String) throws {
        let folder = archiveFolder.appendingPathComponent(day)
        let target = archiveFolder.appendingPathComponent(day + ".zip")
        if !FileManager.default.fileExists(atPath: target.path) {
            let temporary = archiveFolder.appendingPathComponent(".ferry-\(day).zip.tmp")
            try? FileManager.default.removeItem(at: temporary)
            do {
                try DayZip.zip(folder: folder, to: temporary)
                try Durable.sync(file: temporary)
                try Durable.rename(temporary, to: target)
                try Durable.sync(directory: archiveFolder)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw error
            }
        }
        try FileManager.default.removeItem(at: folder)
        try Durable.sync(directory: archiveFolder)
    }

    /// The bytes of `archive/DAY/STAGE/NAME` from `archive/DAY.zip` once the day is zipped (`ferry retry` replays
    /// from it), or nil when there is no such zip or entry. The CRC-32 is checked.
    static func zippedContents(of file: URL, archiveFolder: URL) -> Data? {
        let stage = file.deletingLastPathComponent()
        let day = stage.deletingLastPathComponent().lastPathComponent
        return DayZip.contents(
            of: "\(day)/\(stage.lastPathComponent)/\(file.lastPathComponent)",
            in: archiveFolder.appendingPathComponent(day + ".zip"))
    }

    /// Zip temporaries a crash left behind (ferry holds the folder tree's lock, so none is being written).
    private func removeStaleTemporaries(logger: Logger) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: archiveFolder.path)) ?? []
        for name in names where name.hasPrefix(".ferry-") && name.hasSuffix(".zip.tmp") {
            remove(archiveFolder.appendingPathComponent(name), logger: logger, message: "stale archive zip temporary removed", metadata: ["ferry.file": "\(name)"])
        }
    }

    // MARK: failed/

    /// Every quarantined file under `failed/<stage>/`, with the time it was quarantined.
    func quarantinedFiles() -> [(file: URL, since: Date)] {
        let stages = (try? FileManager.default.contentsOfDirectory(atPath: failedFolder.path)) ?? []
        var result: [(URL, Date)] = []
        for stage in stages where !stage.hasPrefix(".") {
            let folder = failedFolder.appendingPathComponent(stage)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names where !name.hasPrefix(".") && !name.hasSuffix(".error.txt") {
                let file = folder.appendingPathComponent(name)
                let since = Self.modified(file.path + ".error.txt") ?? Self.modified(file.path)
                if let since { result.append((file, since)) }
            }
        }
        return result
    }

    // MARK: Helpers

    private func remove(_ url: URL, logger: Logger?, message: Logger.Message, metadata: Logger.Metadata) {
        do {
            try FileManager.default.removeItem(at: url)
            logger?.info(message, metadata: metadata)
        } catch {
            logger?.warning("cannot remove \(url.path)", metadata: metadata.merging(["ferry.reason": "\(error)"]) { $1 })
        }
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// `YYYY-MM-DD`, a real date.
    static func isDay(_ name: String) -> Bool {
        name.utf8.count == 10 && dayFormatter().date(from: name).map { day($0) == name } == true
    }

    /// The local date of `date` as the archive names days.
    static func day(_ date: Date) -> String { dayFormatter().string(from: date) }

    private static func dayFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }
}

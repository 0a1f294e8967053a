import FileWatching

extension StatusReport {
    /// The archive and `failed/` lines of ``text``:
    /// `archive: /srv/ferry/archive: 12 days (3 zipped), oldest 2026-11-01; zip after 7 days, delete after 90 days`
    /// and what the next clean-up will do.
    var housekeepingText: [String] {
        var days = "\(archive.days + archive.zippedDays) days" + (archive.zippedDays > 0 ? " (\(archive.zippedDays) zipped)" : "")
        if let oldest = archive.oldest { days += ", oldest \(oldest)" }
        let archiveRules = [
            archive.zipAfterDays.map { "zip after \($0) days" }, archive.retentionDays.map { "delete after \($0) days" },
        ].compactMap { $0 }
        var lines = ["archive: \(archive.folder): \(days); " + (archiveRules.isEmpty ? "kept for ever" : archiveRules.joined(separator: ", "))]
        let archiveDue = [
            archive.nextZip.isEmpty ? nil : "zips " + Self.list(archive.nextZip),
            archive.nextRemove.isEmpty ? nil : "deletes " + Self.list(archive.nextRemove),
        ].compactMap { $0 }
        if !archiveRules.isEmpty { lines.append("  next clean-up: " + (archiveDue.isEmpty ? "nothing due" : archiveDue.joined(separator: "; "))) }

        var quarantined = "\(failed.files) quarantined file\(failed.files == 1 ? "" : "s")"
        if let oldest = failed.oldest { quarantined += ", oldest since \(oldest)" }
        lines.append("failed: \(failed.folder): \(quarantined); " + (failed.retentionDays.map { "delete after \($0) days" } ?? "kept until retried"))
        if failed.retentionDays != nil {
            let names = failed.nextRemove.map { FileNameBytes.display(String($0.dropFirst(failed.folder.count + 1))) }
            lines.append("  next clean-up: " + (names.isEmpty ? "nothing due" : "deletes \(names.count): " + Self.list(names)))
        }
        return lines
    }

    /// The first five, then how many more.
    private static func list(_ items: [String]) -> String {
        items.prefix(5).joined(separator: ", ") + (items.count > 5 ? " and \(items.count - 5) more" : "")
    }
}

import DurableFiles
public import Foundation
import Glibc

extension Pipeline {
    /// Puts a file back into its stage's folder: a fixed quarantined file (moved, its reason file removed), or
    /// an archived input to process again (copied: the archive keeps its record). Replaying an archived Magento
    /// order file resends the orders Sage refused; those it imported are skipped as duplicates by the ledger.
    ///
    /// - Parameter file: a path under `failed/<stage>/` or `archive/YYYY-MM-DD/<stage>/`.
    /// - Returns: where the file now waits.
    /// - Throws: ``PipelineError`` naming the file and what to do.
    public func retry(_ file: URL) throws -> URL {
        let file = file.standardizedFileURL
        let stageFolder = file.deletingLastPathComponent()
        let archiveRoot = config.archiveFolder.standardizedFileURL.path
        if stageFolder.deletingLastPathComponent().deletingLastPathComponent().path == archiveRoot {
            return try replay(file, stageName: stageFolder.lastPathComponent)
        }
        guard stageFolder.deletingLastPathComponent().path == config.failedFolder.standardizedFileURL.path else {
            throw PipelineError(.configuration, "\(file.path) is not in \(config.failedFolder.path)/<stage>/: give the path of a quarantined file")
        }
        let stageName = stageFolder.lastPathComponent
        guard let stage = config.stages.first(where: { $0.name == stageName }), let folder = stage.watch else {
            throw PipelineError(.configuration, "no file-triggered stage named '\(stageName)' in \(config.file.path)")
        }
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw PipelineError(.operational, "\(file.path) does not exist")
        }
        let placed = try Durable.place(file, into: folder, preferredName: file.lastPathComponent)
        let reason = stageFolder.appendingPathComponent(file.lastPathComponent + ".error.txt")
        if unlink(reason.path) == 0 { try Durable.sync(directory: stageFolder) }
        return placed
    }

    /// Copies an archived input back into its stage's folder (written under a hidden name, fsynced, then placed).
    private func replay(_ file: URL, stageName: String) throws -> URL {
        guard let stage = config.stages.first(where: { $0.name == stageName }), let folder = stage.watch else {
            throw PipelineError(.configuration, "no file-triggered stage named '\(stageName)' in \(config.file.path)")
        }
        // A zipped day (archive.zipAfterDays) is replayed from its zip, by the same path.
        guard let data = FileManager.default.contents(atPath: file.path)
            ?? Housekeeping.zippedContents(of: file, archiveFolder: config.archiveFolder.standardizedFileURL)
        else {
            throw PipelineError(.operational, "cannot read \(file.path), nor find it in its day's zip: check the name with `ls` or `unzip -l`")
        }
        let temp = folder.appendingPathComponent(".ferry-replay-\(UUID().uuidString).tmp")
        try Durable.write(data, to: temp)
        return try Durable.place(temp, into: folder, preferredName: file.lastPathComponent)
    }
}

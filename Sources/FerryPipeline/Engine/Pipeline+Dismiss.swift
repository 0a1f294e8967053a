import DurableFiles
public import Foundation
import Glibc

extension Pipeline {
    /// Takes a quarantined file out of `failed/<stage>/` without processing it: it moves to today's
    /// `archive/YYYY-MM-DD/<stage>/`, beside a `<name>.dismissed.txt` that keeps its reason and says who dismissed
    /// it, when and why. The operator console's Dismiss; the file can still be replayed from the archive.
    ///
    /// The note is in place (fsynced) before the file moves, so a crash never leaves an archived file without its
    /// record; the reason file goes last. (When the archive already holds that name, the file gets a free variant
    /// of it; the note's `file:` line names the original.)
    /// - Parameters:
    ///   - file: a file directly in `failed/<stage>/` of a configured stage.
    ///   - by: who dismissed it (a user name), for the note.
    ///   - note: why, as the person wrote it (may be empty).
    /// - Returns: where the file now is in the archive.
    /// - Throws: ``PipelineError`` naming the file and what to do.
    public func dismiss(_ file: URL, by user: String, note: String) throws -> URL {
        let file = file.standardizedFileURL
        let stageFolder = file.deletingLastPathComponent()
        let stageName = stageFolder.lastPathComponent
        guard stageFolder.deletingLastPathComponent().path == config.failedFolder.standardizedFileURL.path,
            config.stages.contains(where: { $0.name == stageName })
        else {
            throw PipelineError(.configuration, "\(file.path) is not in \(config.failedFolder.path)/<stage>/: give the path of a quarantined file")
        }
        var info = stat()
        guard lstat(file.path, &info) == 0 else { throw PipelineError(.operational, "\(file.path) does not exist (already retried or dismissed?)") }
        let engine = EngineSettings(settle: config.settle, retry: config.retry, archiveRoot: config.archiveFolder, failedFolder: config.failedFolder)
        let day = URL(fileURLWithPath: engine.archiveFolderPath(for: stageName, at: Date()), isDirectory: true)
        let reasonFile = stageFolder.appendingPathComponent(file.lastPathComponent + ".error.txt")
        let reason = (try? String(contentsOf: reasonFile, encoding: .utf8)) ?? "(no reason file)\n"
        let record = """
            dismissed: \(ISO8601DateFormatter().string(from: Date())) by \(user)
            note: \(note.replacingOccurrences(of: "\n", with: " "))
            file: \(file.lastPathComponent)

            \(reason)
            """
        try Durable.makeFolder(day)
        let temp = day.appendingPathComponent(".ferry-dismiss-\(UUID().uuidString).tmp")
        try Durable.write(Data(Redaction.scrub(record).utf8), to: temp)
        _ = try Durable.place(temp, into: day, preferredName: file.lastPathComponent + ".dismissed.txt")
        let placed = try Durable.place(file, into: day, preferredName: file.lastPathComponent)
        if unlink(reasonFile.path) == 0 { try Durable.sync(directory: stageFolder) }
        return placed
    }
}

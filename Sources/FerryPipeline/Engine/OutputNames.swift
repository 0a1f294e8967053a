import DurableFiles
import FileWatching
import Foundation

/// The final names of outputs that are committed, or about to be, and not yet published, held per run.
///
/// A run's outputs get names that no other run in flight holds and no file in the folder has. Every way a run
/// leaves the engine's hands (published, set aside to run again, failed, a scheduled run's end) releases what
/// it reserved: a name kept after its run left would make the file's next run publish as `name-1.xml` and block
/// the name for the life of the process.
struct OutputNames {
    /// The `folder/name` keys each run holds.
    private var byRun: [String: [String]] = [:]
    private var taken = Set<String>()

    /// Picks the final name of each of `pending` for the commit of `runID`, replacing what it held before.
    ///
    /// - Throws: ``PipelineError`` when the task reserved an output and did not write it; nothing stays held.
    mutating func reserve(_ pending: [PendingOutput], for runID: String, task: String) throws -> [JournalEntry.Output] {
        release(runID)
        // Paths as built: `URL.path` decodes the URL on every call, and this runs on the stage's actor for each file.
        let temps = pending.map(\.path)
        for (output, temp) in zip(pending, temps) where !FolderEntry.exists(path: temp) {
            throw PipelineError(.internal, "task '\(task)' reserved the output \(output.name) but did not write it")
        }
        var outputs: [JournalEntry.Output] = []
        var keys: [String] = []
        for (output, temp) in zip(pending, temps) {
            let folder = output.folderPath
            var key = ""
            let name = Durable.candidateNames(output.name, limit: Durable.nameLimit(of: folder)).first { candidate in
                key = folder + "/" + candidate
                return !taken.contains(key) && !FolderEntry.exists(path: key)
            }!
            taken.insert(key)
            keys.append(key)
            outputs.append(.init(temp: temp, folder: folder, name: name))
        }
        byRun[runID] = keys
        return outputs
    }

    /// Frees every name `runID` holds; nothing when it holds none.
    mutating func release(_ runID: String) {
        for key in byRun.removeValue(forKey: runID) ?? [] { taken.remove(key) }
    }

    /// True when no run holds a name.
    var isEmpty: Bool { taken.isEmpty }
}

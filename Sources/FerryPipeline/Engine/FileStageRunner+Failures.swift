import DurableFiles
import FerryState
import FerryValues
import FerryXML
import FileWatching
import Foundation
import GRDB
import Logging

extension FileStageRunner {
    /// A run whose task or commit failed: its temporaries and output names go, and the file is retried or
    /// quarantined.
    func fail(_ file: FileInFlight, _ error: any Error) async {
        file.context.discardOutputs()
        outputNames.release(file.entry.runID)
        var entry = file.entry
        await retryOrQuarantine(entry: &entry, after: error, logger: file.logger)
    }

    /// Bad input is quarantined (unless it may still be being written); a transient failure is retried with
    /// capped backoff, or, in a drain, left claimed for the next run; an unclassified one is retried a few times.
    private func retryOrQuarantine(entry: inout JournalEntry, after error: any Error, logger: Logger) async {
        let input = workFolder.appendingFile(entry.runID).path
        // Name the file as the operator knows it, not by its place in the work area.
        var message = Redaction.message(of: error).replacingOccurrences(
            of: input, with: folder.appendingFile(entry.originalName).path)
        let attempts = (attemptsThisProcess[entry.runID] ?? 0) + 1
        attemptsThisProcess[entry.runID] = attempts
        let failure = FailureClass(error)
        if failure == .badInput {
            if InputCompleteness.mayStillBeWritten(input, settle: engine.settle) {
                // Perhaps read while its writer was still at it: read it again once it has settled.
                retryAt[entry.runID] = .now + engine.settle
                logger.info("unreadable, but may still be being written: reading it again after the settle time", metadata: ["ferry.reason": "\(message)"])
                return
            }
            // Whatever the task made of the parse error (the order and stock tasks wrap libxml2's in their own
            // bad-input error), a document whose root never closes is cut: say so, not "Extra content".
            if let truncated = InputCompleteness.truncation(of: input) {
                message = "\(folder.appendingFile(entry.originalName).path): \(truncated)"
            }
            await quarantine(&entry, reason: message, logger: logger)
            return
        }
        if failure == .unclassified, attempts >= engine.retry.maxAttempts {
            await quarantine(&entry, reason: "gave up after \(attempts) attempts: \(message)", logger: logger)
            return
        }
        entry.attempts += 1
        entry.lastError = message
        if let limit = engine.drainAttempts, attempts >= limit {
            // A drain must end: leave the file claimed for the next run instead of waiting out the backoff.
            try? await environment.store.write { [entry] db in try entry.update(db) }
            logger.warning("left for a later run after a transient failure", metadata: ["ferry.reason": "\(message)"])
            return
        }
        let delay = engine.retry.delay(attempt: attempts)
        entry.nextAttempt = Date().timeIntervalSince1970 + Double(delay.components.seconds)
        try? await environment.store.write { [entry] db in try entry.update(db) }
        retryAt[entry.runID] = .now + delay
        logger.warning("will retry", metadata: ["ferry.reason": "\(message)", "ferry.retryIn": .stringConvertible(delay)])
        engine.observers.forEach { $0.transientFailure(stage: stage.name, file: entry.originalName, reason: message) }
    }

    /// Moves the input to `failed/<stage>/` with `<name>.error.txt` beside it, recorded as `failing` first so
    /// that a crash cannot lose the reason. The records and fsyncs run in one hop to the blocking pool.
    func quarantine(_ entry: inout JournalEntry, reason: String, logger: Logger) async {
        let failed = engine.failedFolder.appendingPathComponent(stage.name)
        do {
            entry = try await offload { [entry, stage, workFolder, store = environment.store] in
                var entry = entry
                try Self.moveToFailed(&entry, reason: reason, failed: failed, workFolder: workFolder, stage: stage, store: store)
                return entry
            }
            let failedPath = failed.appendingPathComponent(entry.destinationName ?? entry.originalName).path
            logger.error("quarantined", metadata: ["ferry.reason": "\(reason)", "ferry.failed": "\(failedPath)"])
            engine.observers.forEach {
                $0.fileQuarantined(stage: stage.name, file: entry.originalName, reason: entry.lastError ?? reason, failedPath: failedPath)
            }
            reportDepth()
        } catch {
            logger.error("cannot quarantine; will try again", metadata: ["ferry.reason": "\(error)"])
            retryAt[entry.runID] = .now + engine.retry.delay(attempt: 1)
        }
    }

    /// The blocking part of ``quarantine(_:reason:logger:)``: the `failing` record, the reason file, the move
    /// and the `failed` record. A `failing` entry (recovery after a crash) keeps the name and reason it recorded.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    private static func moveToFailed(
        _ entry: inout JournalEntry, reason: String, failed: URL, workFolder: URL, stage: StageConfig, store: StateStore
    ) throws {
        try Durable.makeFolder(failed)
        if entry.state != .failing {
            // Room for `.error.txt` beside it, whatever the length of the delivered name.
            let limit = Durable.nameLimit(of: failed.path)
            let name = Durable.candidateNames(
                Durable.fitting(entry.originalName, reserve: ".error.txt".utf8.count + 4, limit: limit), limit: limit
            ).first {
                !FolderEntry.exists(path: failed.path + "/" + $0) && !FolderEntry.exists(path: failed.path + "/" + $0 + ".error.txt")
            }!
            entry.state = .failing
            entry.lastError = reason
            entry.destination = failed.path
            entry.destinationName = name
            try store.write { [entry] db in try entry.update(db) }
            CrashPoint.hit("after-quarantine-record")
        }
        let name = entry.destinationName ?? entry.originalName
        if FolderEntry.stat(folder: workFolder.path, name: entry.runID) != nil {
            let text = """
                ferry could not process this file.
                stage:  \(stage.name) (task \(stage.task))
                file:   \(entry.originalName)
                when:   \(ISO8601DateFormatter().string(from: Date()))
                reason: \(entry.lastError ?? reason)
                what to do: fix the file (or the cause above), then run
                  ferry retry \(failed.appendingPathComponent(name).path)

                """
            try Durable.write(Data(text.utf8), to: failed.appendingPathComponent(name + ".error.txt"))
            CrashPoint.hit("after-quarantine-reason")
            let placed = try Durable.place(workFolder.appendingFile(entry.runID), into: failed, preferredName: name)
            entry.destinationName = placed.lastPathComponent
        }
        entry.state = .failed
        entry.finishedAt = Date().timeIntervalSince1970
        try store.write { [entry] db in try entry.update(db) }
    }
}

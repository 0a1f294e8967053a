import FerryState
import FerryValues
import Foundation
import Logging

extension FileStageRunner {
    /// Publishes the files ``process(_:)`` held back, on the blocking pool (the flush, renames and fsyncs).
    func publishHeld() async {
        guard !held.isEmpty else { return }
        let files = held
        held = []
        // Still busy while they publish: a drain must not take the stage for idle meanwhile.
        let wasBusy = busy
        busy = true
        defer { busy = wasBusy }
        recordPublished(await BlockingPool.shared.perform { [publisher] in Self.publish(files, with: publisher) })
    }

    /// Publishes a batch of committed files: all at once, or, if that fails, one by one so that a file that
    /// cannot be published waits for its retry alone. Needs none of the runner's state: it runs off the actor
    /// while the next batch's tasks start. Returns each file, published or with the reason it could not be.
    @available(*, noasync, message: "it blocks on disk I/O: call it on the blocking pool (offload)")
    static func publish(_ batch: [FileInFlight], with publisher: Publisher) -> [(file: FileInFlight, failure: String?)] {
        guard !batch.isEmpty else { return [] }
        var files = batch
        var failures = [String?](repeating: nil, count: files.count)
        do {
            var entries = files.map(\.entry)
            var outputs = files.map(\.outputs)
            // Their temporaries were synced before their commits were written (StateStore.syncBeforeWriting).
            try publisher.publishAndArchive(&entries, outputs: &outputs, syncingOutputs: false)
            for index in files.indices {
                files[index].entry = entries[index]
                files[index].outputs = outputs[index]
            }
        } catch {
            for index in files.indices {
                do {
                    var entries = [files[index].entry]
                    var outputs = [files[index].outputs]
                    try publisher.publishAndArchive(&entries, outputs: &outputs, syncingOutputs: true)
                    files[index].entry = entries[0]
                    files[index].outputs = outputs[0]
                } catch {
                    failures[index] = Redaction.message(of: error)
                }
            }
        }
        return Array(zip(files, failures))
    }

    /// The bookkeeping after publishing: names released, logs, observers, and a retry for a file that could
    /// not be published.
    func recordPublished(_ files: [(file: FileInFlight, failure: String?)]) {
        guard !files.isEmpty else { return }
        for (file, failure) in files {
            outputNames.release(file.entry.runID)
            if let failure {
                // Committed: the temporaries are the outputs now; keep them and only retry the publishing.
                file.logger.error("cannot publish or archive a committed run; will retry", metadata: ["ferry.reason": "\(failure)"])
                schedulePublishRetry(file.entry)
                continue
            }
            attemptsThisProcess[file.entry.runID] = nil
            if file.logger.logLevel <= .info {
                var metadata: Logger.Metadata = ["ferry.outputs": .array(file.outputs.map { .string($0.name) })]
                for (name, value) in file.context.counters where value > 0 { metadata["ferry.\(name)"] = "\(value)" }
                file.logger.info("processed", metadata: metadata)
            }
            let seconds = (ContinuousClock.now - file.started).seconds
            engine.observers.forEach {
                $0.fileProcessed(stage: stage.name, file: file.entry.originalName, seconds: seconds, counters: file.context.counters)
            }
        }
        reportDepth()
    }

    /// Publishes a run committed earlier (its publishing failed, or a crash came first), or schedules another
    /// try with capped backoff: a committed run is never re-run (that would publish its outputs twice) nor
    /// quarantined (its outputs are already out).
    func republishCommitted(_ entry: inout JournalEntry, logger: Logger) async {
        do {
            entry = try await offload { [entry, publisher] in
                var entry = entry
                try publisher.publishAndArchive(&entry)
                return entry
            }
            attemptsThisProcess[entry.runID] = nil
            logger.info("processed", metadata: ["ferry.outputs": .array(entry.decodedOutputs.map { .string($0.name) })])
            reportDepth()
        } catch {
            logger.error("cannot publish or archive a committed run; will retry", metadata: ["ferry.reason": "\(Redaction.message(of: error))"])
            schedulePublishRetry(entry)
        }
    }

    func schedulePublishRetry(_ entry: JournalEntry) {
        let attempts = (attemptsThisProcess[entry.runID] ?? 0) + 1
        attemptsThisProcess[entry.runID] = attempts
        // A drain leaves it claimed for the next run (the journal says so) rather than wait out the backoff.
        if let limit = engine.drainAttempts, attempts >= limit { return }
        retryAt[entry.runID] = .now + engine.retry.delay(attempt: attempts)
    }
}

import FerryState
import FileWatching
import Foundation
import Logging

extension FileStageRunner {
    /// Takes a lone file through its whole life in one job of the blocking pool: the claim, the task, the commit
    /// and the publishing, on one thread; this actor only keeps the books afterwards.
    ///
    /// The batch path hands a lone file between about ten threads (the actor, the claim's job, the task's job,
    /// the store's writer, the publishing job), and on a small virtual machine each hand-over to an idle core
    /// costs a wake-up: a third of a lone file's time (docs/benchmarks.md, fourteenth session). The durable steps
    /// are the batch path's for a batch of one, in the same order and by the same functions (``claim(_:from:into:store:)``,
    /// ``RunCommit``, ``StateStore/writeDeferred(syncing:_:)``, ``publish(_:with:)``), so recovery after a crash
    /// at any point is the same and a lone file still costs three fsync-family calls.
    ///
    /// Taken only for a ``BlockingFileTask`` when nothing else is in hand (no claimed file waiting, none held for
    /// publishing, no output name reserved): the job's commit then queues behind no other, and no run reserves
    /// the names it picks.
    func runLone(_ entry: JournalEntry, found: FolderEntry, task: any BlockingFileTask) async {
        let outcome: LoneRun
        do {
            outcome = try await offload { [self, store = environment.store, folderPath, workFolder, publisher] in
                guard let claimed = try Self.claim([entry], from: folderPath, into: workFolder, store: store).first ?? nil else {
                    return .notMoved
                }
                if let reason = Self.whyUnrunnable(found) { return .unrunnable(claimed, reason) }
                // As claimed: what a retry, a quarantine or a run again starts from (never the committed row).
                let file = inFlight(claimed)
                var committed = file
                do {
                    try task.runBlocking(file.input, context: file.context)
                    CrashPoint.hit("after-task-run")
                    var names = OutputNames()
                    let commit = try RunCommit(&committed.entry, context: file.context, names: &names, task: stage.task, engine: engine)
                    committed.outputs = commit.outputs
                    let temporaries = commit.outputs.map(\.temp)
                    let recorded = try store.writeDeferred(syncing: temporaries + claimCarriers(for: temporaries)) { db in
                        try commit.recordAlone(in: db)
                    }
                    if !recorded { return .runAgain(file) }
                } catch {
                    return .failed(file, error)
                }
                CrashPoint.hit("after-commit")
                let published = Self.publish([committed], with: publisher)[0]
                return .published(published.file, failure: published.failure)
            }
        } catch {
            logger.error("cannot claim files", metadata: ["ferry.reason": "\(error)"])
            return
        }
        switch outcome {
        case .notMoved:
            break
        case .unrunnable(var entry, let reason):
            await quarantine(&entry, reason: reason, logger: fileLogger(entry))
        case .failed(let file, let error):
            await fail(file, error)
        case .runAgain(let file):
            file.logger.info("a file committed meanwhile sent some of the same orders: running this one again")
            setAside(file)
            ready.append(file.entry.runID)
        case .published(let file, let failure):
            recordPublished([(file, failure)])
        }
        reportDepth()
    }

    /// True when the files just settled may take ``runLone(_:found:task:)`` (if the task is a
    /// ``BlockingFileTask``): there is one, and no other file is in hand.
    func takesLonePath(settled: Int) -> Bool {
        settled == 1 && !stopping && ready.isEmpty && held.isEmpty && outputNames.isEmpty
    }
}

/// How a lone file's job ended (``FileStageRunner/runLone(_:found:task:)``): what the actor still has to do.
enum LoneRun: Sendable {
    /// Gone before the claim's rename (another process took it): its row is forgotten.
    case notMoved
    /// Claimed, but no task may read it (a link, a folder, an empty file): to quarantine.
    case unrunnable(JournalEntry, String)
    /// The task or its commit failed: to retry or quarantine.
    case failed(FileInFlight, any Error)
    /// Its commit conflicts with one made while its task ran: undone, to run again.
    case runAgain(FileInFlight)
    /// Committed, and published or (with the reason) left for a retry of the publishing.
    case published(FileInFlight, failure: String?)
}

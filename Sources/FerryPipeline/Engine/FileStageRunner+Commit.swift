import FerryState
import Foundation
import GRDB
import Logging
import Synchronization

extension FileStageRunner {
    /// Runs and commits each file of the batch in order, then publishes the committed ones together.
    ///
    /// Commits are queued on the store and run while the next files' tasks do: a task's reads wait for them
    /// (``StateStore/read(_:)``), so it still sees the rows of the files before it, and both cores of a small
    /// machine work during a burst (look-ups through ``StateStore/readCommitted(_:)`` wait for nothing and are
    /// checked again at the commit). A task whose kind ``TaskKind/overlapsFiles`` runs ``overlap`` files at
    /// once (a ``BlockingFileTask``, ``blockingOverlap`` files in one job per core); their commits still go in
    /// order, and a commit that finds it conflicts with one before (an order both files sent) is undone and run
    /// again, with every file after it. Such a task's next group is taken while a group runs, and starts as soon
    /// as it ends, before this actor queues that group's commits: the jobs never wait for that bookkeeping.
    func process(_ runIDs: [String]) async {
        busy = true
        // The depth reported after the batch must not count it as still in hand (a drained queue read 1).
        defer {
            busy = false
            reportDepth()
        }
        let started = ContinuousClock.now
        var committed: [FileInFlight] = []
        var committing: CommittingGroup?
        var publishing: Task<[(file: FileInFlight, failure: String?)], Never>?
        var index = 0
        // A group's task sees the commits of the groups before it only if it checks again at its commit.
        let pipelined = overlapsFiles
        func goesOn() -> Bool { index < runIDs.count && !stopping && ContinuousClock.now - started <= Self.batchTime }
        var taken = await takeGroup(of: runIDs, at: &index)
        if !held.isEmpty {
            // The batch before is published off this actor while this batch's tasks and commits go on.
            let files = held
            held = []
            // Renames and fsyncs: on the blocking pool, so the cooperative pool keeps running the tasks.
            publishing = Task.detached { [publisher] in
                await BlockingPool.shared.perform { Self.publish(files, with: publisher) }
            }
        }
        var running = startTasks(taken)
        while let run = running {
            let current = taken
            running = nil
            var next: [FileInFlight] = []
            if pipelined, goesOn() { next = await takeGroup(of: runIDs, at: &index) }
            let results = await withTaskCancellationHandler { await run.value } onCancel: { run.cancel() }
            // After a stop, the files no job took (always the group's last ones): back to the queue, unchanged.
            let untaken = current[results.count...].map { file in
                setAside(file)
                return file.entry.runID
            }
            if untaken.isEmpty, !stopping, !next.isEmpty {
                taken = next
                running = startTasks(next)
                next = []
            }
            // Taken for the next group, which a stop kept from starting: back to the queue after this group's.
            let notStarted = next.map { file in
                setAside(file)
                return file.entry.runID
            }
            let ran = await keepSucceeded(Array(current.prefix(results.count)), results)
            if let previous = committing.take() {
                let again = await awaitCommits(previous, into: &committed)
                if !again.isEmpty {
                    // These tasks may have missed what the files to run again will commit: they run again too,
                    // and so does the group started after them, once it has ended.
                    for file in ran { setAside(file) }
                    var later: [String] = []
                    if let run = running.take() {
                        _ = await run.value
                        for file in taken { setAside(file) }
                        later = taken.map(\.entry.runID)
                    }
                    ready.insert(contentsOf: again + ran.map(\.entry.runID) + untaken + later + runIDs[index...], at: 0)
                    index = runIDs.count
                    break
                }
            }
            if !ran.isEmpty { committing = queueCommits(ran) }
            if !untaken.isEmpty || !notStarted.isEmpty {
                ready.insert(contentsOf: untaken + notStarted + runIDs[index...], at: 0)
                index = runIDs.count
                break
            }
            if !pipelined, goesOn() {
                taken = await takeGroup(of: runIDs, at: &index)
                running = startTasks(taken)
            }
        }
        // Not taken (the batch's time is up, or a stop): back to the front of the queue, in order; the journal
        // has them claimed.
        if index < runIDs.count { ready.insert(contentsOf: runIDs[index...], at: 0) }
        if let last = committing.take() {
            let again = await awaitCommits(last, into: &committed)
            ready.insert(contentsOf: again, at: 0)
        }
        if let publishing = publishing.take() { recordPublished(await publishing.value) }
        held += committed
        // While claimed files wait, the batch is published while the next one's first tasks run; otherwise now,
        // so a lone file is never held back.
        if stopping || ready.isEmpty { await publishHeld() }
    }

    /// The next group of `runIDs` from `index`, ready to run: files quarantined or published on the way are
    /// skipped, so it is empty only when no file is left.
    private func takeGroup(of runIDs: [String], at index: inout Int) async -> [FileInFlight] {
        var taken: [FileInFlight] = []
        while taken.isEmpty, index < runIDs.count {
            let ids = runIDs[index..<min(index + groupSize, runIDs.count)]
            index += ids.count
            for id in ids { if let file = await takeClaimed(id) { taken.append(file) } }
        }
        return taken
    }

    /// Starts `files`' tasks off this actor (nil for none): it takes the next group while they run.
    private func startTasks(_ files: [FileInFlight]) -> Task<[Result<Void, any Error>], Never>? {
        guard !files.isEmpty else { return nil }
        return Task.detached { [task, stopRequest] in await Self.runTasks(files, task: task, stop: stopRequest) }
    }

    /// Files run together: ``overlap`` (``blockingOverlap`` for a ``BlockingFileTask``) when the task's kind
    /// ``TaskKind/overlapsFiles``, else one.
    private var groupSize: Int {
        guard overlapsFiles else { return 1 }
        return task is any BlockingFileTask ? Self.blockingOverlap : Self.overlap
    }

    /// Runs the task on each file, all at once, off this actor; a ``BlockingFileTask``'s files in one job per core.
    ///
    /// - Returns: the result of each file run, in order: all of them, or after a stop (``StopRequest``) only the
    ///   first ones, which the blocking jobs took before it.
    private nonisolated static func runTasks(_ files: [FileInFlight], task: any FileTask, stop: StopRequest) async -> [Result<Void, any Error>] {
        if files.count == 1 { return [await runTask(files[0], task: task)] }
        if let task = task as? any BlockingFileTask { return await runBlocking(files, task: task, stop: stop) }
        return await withTaskGroup(of: (Int, Result<Void, any Error>).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask { (index, await runTask(file, task: task)) }
            }
            var results = [Result<Void, any Error>](repeating: .success(()), count: files.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
    }

    private nonisolated static func runTask(_ file: FileInFlight, task: any FileTask) async -> Result<Void, any Error> {
        do {
            try await task.run(file.input, context: file.context)
            CrashPoint.hit("after-task-run")
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// The files whose task succeeded; the others are retried or quarantined here.
    private func keepSucceeded(_ files: [FileInFlight], _ results: [Result<Void, any Error>]) async -> [FileInFlight] {
        var ran: [FileInFlight] = []
        for (file, result) in zip(files, results) {
            switch result {
            case .success: ran.append(file)
            case .failure(let error): await fail(file, error)
            }
        }
        return ran
    }

    /// Queues one transaction committing `files` in order, each in a savepoint, so a file whose commit fails
    /// is undone alone; after a conflict the files behind it are not tried. ``awaitCommits(_:into:)`` waits for it.
    private func queueCommits(_ files: [FileInFlight]) -> CommittingGroup {
        var prepared: [Result<FileInFlight, any Error>] = []
        var temporaries: [String] = []
        var commits: [RunCommit?] = []
        for var file in files {
            do {
                let commit = try RunCommit(&file.entry, context: file.context, names: &outputNames, task: stage.task, engine: engine)
                file.outputs = commit.outputs
                prepared.append(.success(file))
                temporaries += commit.outputs.map(\.temp)
                commits.append(commit)
            } catch {
                prepared.append(.failure(error))
                commits.append(nil)
            }
        }
        let outcomes = CommittingGroup.Outcomes(count: files.count)
        let steps = commits
        temporaries += claimCarriers(for: temporaries)
        let write = environment.store.queueDeferred(syncing: temporaries) { db in
            for (index, commit) in steps.enumerated() {
                // Its preparation failed: ``awaitCommits(_:into:)`` reports that error.
                guard let commit else { continue }
                do {
                    guard try commit.recordAlone(in: db) else {
                        outcomes.set(index, .conflict)
                        return
                    }
                    outcomes.set(index, .committed)
                } catch {
                    outcomes.set(index, .failed(error))
                }
            }
        }
        return CommittingGroup(files: files, prepared: prepared, write: write, outcomes: outcomes)
    }

    /// Waits for a queued group: appends its committed files to `committed`, retries or quarantines the files
    /// that failed, and returns the run IDs to run again (after a conflict), in order.
    private func awaitCommits(_ group: CommittingGroup, into committed: inout [FileInFlight]) async -> [String] {
        var transactionError: (any Error)?
        do { try await group.write.finished() } catch { transactionError = error }
        let outcomes = group.outcomes.values.withLock { $0 }
        var again: [String] = []
        for (index, file) in group.files.enumerated() {
            var outcome = outcomes[index]
            if case .failure(let error) = group.prepared[index] { outcome = .failed(error) }
            // The whole transaction failed (the disk, the store): nothing in it committed.
            if let transactionError { outcome = .failed(transactionError) }
            switch outcome {
            case .committed:
                guard case .success(let file) = group.prepared[index] else { continue }
                CrashPoint.hit("after-commit")
                committed.append(file)
            case .failed(let error):
                await fail(file, error)
            case .conflict, .notTried:
                if case .conflict = outcome {
                    file.logger.info("a file committed meanwhile sent some of the same orders: running this one again")
                }
                setAside(file)
                again.append(file.entry.runID)
            }
        }
        return again
    }

    /// Undoes a run that will run again: its temporaries and its output names go, its journal row stays claimed.
    func setAside(_ file: FileInFlight) {
        file.context.discardOutputs()
        outputNames.release(file.entry.runID)
        // Its claim's `lstat` is not kept: the file is read again before it runs again.
        claimed[file.entry.runID] = (file.entry, nil)
    }
}

/// Files whose commits are queued on the store, in one transaction with a savepoint each.
struct CommittingGroup {
    /// What happened to each file, filled inside the transaction.
    final class Outcomes: Sendable {
        enum Outcome: Sendable {
            case committed
            case failed(any Error)
            /// Conflicts with a commit made while its task ran: undone, to run again.
            case conflict
            /// After a conflict: not tried, to run again.
            case notTried
        }
        let values: Mutex<[Outcome]>
        init(count: Int) { values = Mutex(Array(repeating: .notTried, count: count)) }
        func set(_ index: Int, _ outcome: Outcome) { values.withLock { $0[index] = outcome } }
    }

    let files: [FileInFlight]
    /// Each file as committed (its journal row and outputs), or the error preparing its commit.
    let prepared: [Result<FileInFlight, any Error>]
    let write: QueuedWrite
    let outcomes: Outcomes
}

import FerryState
import Foundation
import Synchronization

extension FileStageRunner {
    /// Runs a ``BlockingFileTask`` on `files` in one job of the blocking pool per core, each job taking the next
    /// file not yet taken, so a slow file holds back no other job's files.
    ///
    /// One task and one hand-off to the pool per file cost more than a one-order file's mapping in a burst; a
    /// job per core keeps the cores as busy with none of that. The jobs go to the pool straight from here: a
    /// Swift task per job first waited for a thread of the cooperative pool, sometimes for milliseconds while
    /// that pool ran the engine's other work. After `stop`, no job takes another file.
    ///
    /// - Returns: the results of the files taken, in order: every file, or after a stop the first ones.
    nonisolated static func runBlocking(_ files: [FileInFlight], task: any BlockingFileTask, stop: StopRequest) async
        -> [Result<Void, any Error>]
    {
        let jobs = max(1, min(files.count, ProcessInfo.processInfo.activeProcessorCount))
        let group = BlockingGroup(count: files.count, jobs: jobs)
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            for _ in 0..<jobs {
                BlockingPool.shared.submit {
                    while !stop.isRequested, let index = group.take() {
                        let result: Result<Void, any Error>
                        do {
                            try task.runBlocking(files[index].input, context: files[index].context)
                            CrashPoint.hit("after-task-run")
                            result = .success(())
                        } catch {
                            result = .failure(error)
                        }
                        group.finish(index, result)
                    }
                    if group.jobEnded() { finished.resume() }
                }
            }
        }
        return group.results
    }
}

/// The files of one ``FileStageRunner/runBlocking(_:task:stop:)``: which is next, and what each one's run gave.
private final class BlockingGroup: Sendable {
    private let count: Int
    private let next = Atomic(0)
    private let running: Atomic<Int>
    private let outcomes: Mutex<[Result<Void, any Error>?]>

    init(count: Int, jobs: Int) {
        self.count = count
        running = Atomic(jobs)
        outcomes = Mutex(Array(repeating: nil, count: count))
    }

    /// The next file's index, or nil when every file was taken.
    func take() -> Int? {
        let index = next.add(1, ordering: .relaxed).oldValue
        return index < count ? index : nil
    }

    func finish(_ index: Int, _ result: Result<Void, any Error>) { outcomes.withLock { $0[index] = result } }

    /// A job took its last file: true for the last job, once every result is in.
    func jobEnded() -> Bool { running.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }

    /// The results of the files run, up to the first one no job took: files are taken in order, so after a stop
    /// those not taken are the last ones.
    var results: [Result<Void, any Error>] {
        outcomes.withLock { outcomes in Array(outcomes.prefix { $0 != nil }.compactMap { $0 }) }
    }
}

/// A stage's stop, readable from the blocking pool's threads, where the runner's own `stopping` is out of reach.
final class StopRequest: Sendable {
    private let flag = Atomic(false)

    var isRequested: Bool { flag.load(ordering: .relaxed) }

    func set(_ requested: Bool) { flag.store(requested, ordering: .relaxed) }
}

import Foundation

/// The process's one bounded set of threads for blocking work: fsync, libxml2 and libxslt, curl_easy_perform.
///
/// Swift's cooperative pool has one thread per core (two on a small machine); a blocking call there stalls every
/// other stage. Dispatch's global queues draw on a pool that on Linux also has one thread per core and adds one a
/// second while all are blocked (a burst of 10,000 files: 3.4-3.9 s; the first 4 parallel stock uploads: 2.8 s
/// for 20 requests instead of 10 ms), and a queue of its own per call has no bound at all. So the blocking work
/// of every module waits here for one of at most ``threadLimit`` threads, started as the work needs them and
/// then kept, like NIO's `NIOThreadPool`.
public final class BlockingPool: Sendable {
    /// The pool the whole process shares.
    ///
    /// 32 threads: the most requests one stage may have in flight (`concurrency`, up to 32, of the inventory
    /// upload) while the other stages' mapping and fsyncs still find a thread.
    public static let shared = BlockingPool(threadLimit: 32)

    /// The most threads the pool ever runs.
    public let threadLimit: Int

    // Unchecked: every field is read and written only with `condition` locked.
    private final class State: @unchecked Sendable {
        /// Taken jobs are set to nil at once: a finished job's closure must not keep what it captured (a
        /// download's 500 orders, a request body) alive until the taken prefix is dropped.
        var jobs: [(@Sendable () -> Void)?] = []
        /// Index of the next job in `jobs`: taking one is O(1); the taken prefix is dropped when it grows.
        var next = 0
        var threads = 0
        var idle = 0
        var busy = 0
        var mostBusy = 0
    }
    private let condition = NSCondition()
    private let state = State()

    /// Creates a pool of at most `threadLimit` threads (tests make small ones; the engine uses ``shared``).
    public init(threadLimit: Int) {
        precondition(threadLimit > 0, "a blocking pool needs at least one thread")
        self.threadLimit = threadLimit
    }

    /// The most jobs that ever ran at the same time in this pool: never more than ``threadLimit``.
    public var mostConcurrentJobs: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.mostBusy
    }

    /// Runs `body` on one of the pool's threads and suspends (never blocks) the caller until it returns.
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await perform { Result { try body() } }.get()
    }

    /// ``run(_:)`` for work that cannot fail.
    public func perform<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// Queues `job` for a pool thread; starts one when none is idle and the limit allows.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        state.jobs.append(job)
        // More jobs waiting than idle threads to take them: a thread that was signalled still counts as idle
        // until it wakes, so "no idle thread" alone would leave a second job queued behind a first one that a
        // lone idle thread is about to take (and blocked for as long as that job blocks).
        let start = state.jobs.count - state.next > state.idle && state.threads < threadLimit
        if start { state.threads += 1 }
        condition.signal()
        condition.unlock()
        if start {
            let thread = Thread { [self] in work() }
            thread.name = "ferry.blocking"
            thread.start()
        }
    }

    /// A pool thread's loop: take the next job, run it, wait when there is none. The threads live as long as the
    /// process (the shared pool is never released).
    private func work() {
        condition.lock()
        while true {
            while state.next == state.jobs.count {
                state.idle += 1
                condition.wait()
                state.idle -= 1
            }
            let job = state.jobs[state.next]!
            state.jobs[state.next] = nil
            state.next += 1
            if state.next > 64, state.next * 2 > state.jobs.count {
                state.jobs.removeFirst(state.next)
                state.next = 0
            }
            state.busy += 1
            state.mostBusy = max(state.mostBusy, state.busy)
            condition.unlock()
            job()
            condition.lock()
            state.busy -= 1
        }
    }
}

import FerryPipeline
import FerryState
import FerryTestSupport
import Foundation
import Synchronization
import Testing

/// Blocking work waits for one of the pool's few threads; it never gets a thread of its own.
struct BlockingPoolTests {
    /// What the jobs saw: how many ran at once, on which threads.
    final class Seen: Sendable {
        private struct Values {
            var running = 0
            var mostRunning = 0
            var threads = Set<pthread_t>()
        }
        private let values = Mutex(Values())

        func enter() {
            values.withLock { values in
                values.running += 1
                values.mostRunning = max(values.mostRunning, values.running)
                values.threads.insert(pthread_self())
            }
        }
        func leave() { values.withLock { $0.running -= 1 } }
        var mostRunning: Int { values.withLock { $0.mostRunning } }
        var threads: Int { values.withLock { $0.threads.count } }
    }

    @Test func sixtyFourConcurrentJobsNeverUseMoreThanThePoolsThreads() async throws {
        let pool = BlockingPool(threadLimit: 4)
        let seen = Seen()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<64 {
                group.addTask {
                    try await pool.run {
                        seen.enter()
                        defer { seen.leave() }
                        // A blocking call, as fsync or curl_easy_perform would be.
                        usleep(2_000)
                        return index
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<64))
        #expect(seen.mostRunning <= 4)
        #expect(seen.threads <= 4)
        #expect(pool.mostConcurrentJobs <= pool.threadLimit)
    }

    @Test func offloadRunsOnTheSharedPoolAndPassesErrorsBack() async throws {
        let seen = Seen()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    try await offload {
                        seen.enter()
                        defer { seen.leave() }
                        usleep(1_000)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(seen.threads <= BlockingPool.shared.threadLimit)
        #expect(BlockingPool.shared.mostConcurrentJobs <= BlockingPool.shared.threadLimit)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await offload { throw Refused() } }
    }

    /// Two jobs submitted back to back while one thread is idle both run at once when the limit allows: the second
    /// does not wait behind the first (which here waits for the second, as a job may wait for another's result).
    /// Before the fix a signalled, not yet awake idle thread counted as free, so no second thread started and the
    /// first job waited for ever; the 10 s wait only turns that hang into a failure.
    @Test func aJobSubmittedWhileTheIdleThreadIsWakingGetsAThreadOfItsOwn() async throws {
        for _ in 0..<20 {
            let pool = BlockingPool(threadLimit: 2)
            // One thread, now idle.
            await pool.perform {}
            let secondRan = DispatchSemaphore(value: 0)
            let firstFinished = DispatchSemaphore(value: 0)
            let sawSecond = Mutex(false)
            pool.submit {
                sawSecond.withLock { $0 = secondRan.wait(timeout: .now() + 10) == .success }
                firstFinished.signal()
            }
            pool.submit { secondRan.signal() }
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    firstFinished.wait()
                    continuation.resume()
                }
            }
            #expect(sawSecond.withLock { $0 }, "the second job waited behind the first")
        }
    }

    /// A finished job's closure is released, and with it what it captured: the pool kept the closures of up to
    /// 64 finished jobs (and their orders, request bodies) until it dropped the taken prefix, so `ferry download`
    /// held pages and files long after writing them (206 MB at 10,000 orders).
    @Test func aFinishedJobReleasesWhatItCaptured() async throws {
        final class Payload: Sendable {}
        let pool = BlockingPool(threadLimit: 2)
        weak var released: Payload?
        do {
            let payload = Payload()
            released = payload
            await pool.perform { _ = payload }
        }
        try await waitUntil("the job's closure released its payload", timeout: .seconds(20)) { released == nil }
    }
}

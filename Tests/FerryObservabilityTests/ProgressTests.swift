import Foundation
import Synchronization
import Testing

@testable import FerryObservability

@Suite("Progress")
struct ProgressTests {
    @Test("Busy stages print a line; idle stages and unchanged figures print nothing")
    func lines() async {
        let lines = Mutex<[String]>([])
        let progress = ProgressObserver(interval: .zero) { line in lines.withLock { $0.append(line) } }
        progress.queueDepth(stage: "map", waiting: 0, claimed: 0)
        #expect(lines.withLock { $0 }.isEmpty)
        progress.queueDepth(stage: "map", waiting: 1200, claimed: 1)
        progress.fileProcessed(stage: "map", file: "a.xml", seconds: 0.1, counters: [:])
        progress.fileQuarantined(stage: "map", file: "b.xml", reason: "bad", failedPath: "p")
        progress.scheduledRunFinished(stage: "download", counters: ["orders.downloaded": 12_500], seconds: 3, error: nil)
        await progress.flush()
        let shown = lines.withLock { $0 }
        #expect(shown.contains("ferry: map 0 files done, 1,201 waiting"))
        #expect(shown.contains { $0.hasPrefix("ferry: map 1 file done, 1,201 waiting") })
        #expect(shown.contains { $0.hasPrefix("ferry: map 1 file done, 1,201 waiting, 1 failed") })
        #expect(shown.contains("ferry: download 12,500 orders downloaded in 3s"))
        // The flush repeats nothing unchanged.
        #expect(Set(shown).count == shown.count)
        progress.queueDepth(stage: "map", waiting: 0, claimed: 0)
        await progress.flush()
        #expect(lines.withLock { $0.last }?.hasPrefix("ferry: map 1 file done, 0 waiting, 1 failed") == true)
    }

    @Test("The throttle holds lines back within the interval")
    func throttle() {
        let lines = Mutex<[String]>([])
        let progress = ProgressObserver(interval: .seconds(3600)) { line in lines.withLock { $0.append(line) } }
        progress.queueDepth(stage: "map", waiting: 10, claimed: 0)
        for index in 0..<100 { progress.fileProcessed(stage: "map", file: "\(index)", seconds: 0, counters: [:]) }
        #expect(lines.withLock { $0.count } == 1)
    }

    /// A clock the test moves by hand: rates and times left are exact, and nothing depends on the machine's speed.
    final class ManualClock: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex<Duration>(.zero)
        func advance(to seconds: Double) { offset.withLock { $0 = .milliseconds(Int64((seconds * 1000).rounded())) } }
        var now: @Sendable () -> ContinuousClock.Instant { { [self] in start + offset.withLock { $0 } } }
    }

    @Test("Progress inside a task: throttled, with the rate, the time left and the last figure always shown")
    func taskProgress() {
        let lines = Mutex<[String]>([])
        let clock = ManualClock()
        let progress = ProgressObserver(interval: .seconds(1), now: clock.now) { line in lines.withLock { $0.append(line) } }
        progress.taskProgress(stage: "upload-inventory", what: "SKUs", done: 1_000, total: 100_000)
        clock.advance(to: 10)
        progress.taskProgress(stage: "upload-inventory", what: "SKUs", done: 5_000, total: 100_000)
        clock.advance(to: 10.5)
        progress.taskProgress(stage: "upload-inventory", what: "SKUs", done: 5_200, total: 100_000)
        clock.advance(to: 250)
        progress.taskProgress(stage: "upload-inventory", what: "SKUs", done: 100_000, total: 100_000)
        progress.taskProgress(stage: "download-orders", what: "orders", done: 300, total: nil)
        #expect(lines.withLock { $0 } == [
            "ferry: upload-inventory 1,000/100,000 SKUs",
            "ferry: upload-inventory 5,000/100,000 SKUs, 400/s, about 3m 58s left",
            "ferry: upload-inventory 100,000/100,000 SKUs in 4m 10s, 396/s",
            "ferry: download-orders 300 orders",
        ])
    }

    @Test("Orders of one file reported one by one: every second a line, never a 20 s gap, and the next file starts afresh")
    func ordersOfOneFile() {
        let lines = Mutex<[String]>([])
        let clock = ManualClock()
        let progress = ProgressObserver(interval: .seconds(1), now: clock.now) { line in lines.withLock { $0.append(line) } }
        // 5,000 orders posted at 250 a second: the update reports each one.
        for done in 1...5_000 {
            clock.advance(to: Double(done) / 250)
            progress.taskProgress(stage: "update-orders", what: "orders", done: done, total: 5_000)
        }
        let shown = lines.withLock { $0 }
        #expect(shown.count == 21, "one line a second for 20 s, and the last: \(shown)")
        #expect(shown[10] == "ferry: update-orders 2,501/5,000 orders, 250/s, about 10s left", "\(shown)")
        #expect(shown.last == "ferry: update-orders 5,000/5,000 orders in 20s, 250/s")
        // The next file's update counts from its own start.
        clock.advance(to: 30)
        progress.taskProgress(stage: "update-orders", what: "orders", done: 1, total: 2)
        clock.advance(to: 32)
        progress.taskProgress(stage: "update-orders", what: "orders", done: 2, total: 2)
        #expect(lines.withLock { $0.suffix(2) } == ["ferry: update-orders 1/2 orders", "ferry: update-orders 2/2 orders in 2s, 30/min"])
    }

    @Test("The final line is true at once: a stage that falls idle says where it ended, in orders, with the rate")
    func finalLine() async {
        let lines = Mutex<[String]>([])
        let clock = ManualClock()
        let progress = ProgressObserver(interval: .seconds(3600), now: clock.now) { line in lines.withLock { $0.append(line) } }
        progress.queueDepth(stage: "update-orders", waiting: 2, claimed: 0)
        progress.queueDepth(stage: "update-orders", waiting: 1, claimed: 1)
        clock.advance(to: 1)
        progress.fileProcessed(stage: "update-orders", file: "a.xml", seconds: 1, counters: ["orders.updated": 3])
        progress.queueDepth(stage: "update-orders", waiting: 0, claimed: 1)
        clock.advance(to: 2)
        progress.fileProcessed(stage: "update-orders", file: "b.xml", seconds: 1, counters: ["orders.updated": 3])
        // Before the last depth report the stage still looks busy: the old bug printed that as the final line.
        progress.queueDepth(stage: "update-orders", waiting: 0, claimed: 0)
        #expect(lines.withLock { $0 } == [
            "ferry: update-orders 0 files done, 2 waiting",
            "ferry: update-orders 2 files done, 0 waiting; 6 orders updated, 3.0/s",
        ])
        await progress.flush()
        #expect(lines.withLock { $0.count } == 2, "the flush repeats nothing")
    }

    @Test("Counters read as words", arguments: [
        ("orders.mapped", 1200, "1,200 orders mapped"), ("skus.uploaded", 5, "5 SKUs uploaded"), ("orders.sage-failed", 2, "2 orders sage failed"),
    ])
    func figures(counter: String, value: Int, expected: String) {
        #expect(ProgressObserver.figure(counter, value) == expected)
    }

    @Test("Durations and rates", arguments: [(45.0, "45s"), (185.0, "3m 05s"), (3720.0, "1h 02m")])
    func durations(seconds: Double, expected: String) {
        #expect(ProgressObserver.duration(seconds) == expected)
    }

    @Test("Figures are grouped by thousands", arguments: [(0, "0"), (999, "999"), (1000, "1,000"), (1_234_567, "1,234,567")])
    func grouping(value: Int, expected: String) {
        #expect(ProgressObserver.grouped(value) == expected)
    }
}

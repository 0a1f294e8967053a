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
        #expect(shown.contains("ferry: map 0 done, 1,201 waiting"))
        #expect(shown.contains("ferry: map 1 done, 1,201 waiting"))
        #expect(shown.contains("ferry: map 1 done, 1,201 waiting, 1 failed"))
        #expect(shown.contains("ferry: download orders.downloaded 12,500"))
        // The flush repeats nothing unchanged.
        #expect(Set(shown).count == shown.count)
        progress.queueDepth(stage: "map", waiting: 0, claimed: 0)
        await progress.flush()
        #expect(lines.withLock { $0.last } == "ferry: map 1 done, 0 waiting, 1 failed")
    }

    @Test("The throttle holds lines back within the interval")
    func throttle() {
        let lines = Mutex<[String]>([])
        let progress = ProgressObserver(interval: .seconds(3600)) { line in lines.withLock { $0.append(line) } }
        progress.queueDepth(stage: "map", waiting: 10, claimed: 0)
        for index in 0..<100 { progress.fileProcessed(stage: "map", file: "\(index)", seconds: 0, counters: [:]) }
        #expect(lines.withLock { $0.count } == 1)
    }

    @Test("Progress inside a task: throttled, with the last figure always shown")
    func taskProgress() {
        let lines = Mutex<[String]>([])
        let progress = ProgressObserver(interval: .seconds(3600)) { line in lines.withLock { $0.append(line) } }
        for done in stride(from: 1_000, through: 100_000, by: 1_000) {
            progress.taskProgress(stage: "upload-inventory", what: "SKUs", done: done, total: 100_000)
        }
        progress.taskProgress(stage: "download-orders", what: "orders", done: 300, total: nil)
        #expect(lines.withLock { $0 } == [
            "ferry: upload-inventory 1,000/100,000 SKUs", "ferry: upload-inventory 100,000/100,000 SKUs",
            "ferry: download-orders 300 orders",
        ])
    }

    @Test("Figures are grouped by thousands", arguments: [(0, "0"), (999, "999"), (1000, "1,000"), (1_234_567, "1,234,567")])
    func grouping(value: Int, expected: String) {
        #expect(ProgressObserver.grouped(value) == expected)
    }
}

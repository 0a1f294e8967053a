import Foundation


#if canImport(Glibc)
import Glibc
#endif

/// Case 3: files renamed into the inbox at a steady rate; latency from the rename to the output's appearance in
/// the outbox, seen by a thread that stats every pending output every 100 us.
struct LatencyBench {
    struct Row {
        var filesystem: String
        var rate: Int
        var files: Int
        var latencies: [Double] = []
        var timedOut = 0
        var achievedRate = 0.0
        /// `ferry watch`'s CPU seconds (every thread) from the first drop until the last output, idle time included.
        var ferryCPU = 0.0
        /// The floor (``WorkFloor``) at the same rate: each file's time from its rename into the inbox to its
        /// output's rename into the outbox, and the CPU seconds of its one thread over all of them.
        var floorLatencies: [Double] = []
        var floorCPU = 0.0
    }

    let filesystem: String
    let root: URL
    let ferry: String
    let rates: [Int]
    let files: Int

    func run() throws -> [Row] {
        var rows: [Row] = []
        var nextID = 5_000_000
        for rate in rates {
            let daemon = try FerryDaemon(ferry: ferry, root: root.appendingPathComponent("latency"))
            defer {
                daemon.stop()
                try? FileManager.default.removeItem(at: daemon.root)
            }
            let names = try OrderGenerator.writeSingles(ids: nextID..<(nextID + files), into: daemon.staging)
            nextID += files
            usleep(300_000)
            let pending = Shared<[(path: String, sent: Double)]>([])
            let results = Shared<[Double]>([])
            let dropping = Shared(true)
            let poller = Thread {
                while true {
                    let batch = pending.withLock { $0 }
                    if batch.isEmpty, !dropping.withLock({ $0 }) { break }
                    var found: [String] = []
                    var info = stat()
                    for item in batch where stat(item.path, &info) == 0 {
                        let latency = now() - item.sent
                        results.withLock { $0.append(latency) }
                        found.append(item.path)
                    }
                    // Anything pending over 5 s is given up on (counted as timed out).
                    let cutoff = now() - 5
                    if !found.isEmpty || batch.contains(where: { $0.sent < cutoff }) {
                        let done = Set(found)
                        pending.withLock { $0.removeAll { done.contains($0.path) || $0.sent < cutoff } }
                    }
                    usleep(100)
                }
            }
            poller.start()
            let interval = 1.0 / Double(rate)
            let cpuBefore = cpuSeconds(pid: daemon.pid) ?? 0
            let started = now()
            for (index, name) in names.enumerated() {
                let due = started + Double(index) * interval
                while now() < due { usleep(UInt32(max(50, min(5_000, (due - now()) * 1e6 - 200)))) }
                let output = daemon.outbox.appendingPathComponent(FerryDaemon.outputName(name)).path
                let sent = now()
                try daemon.drop(name)
                pending.withLock { $0.append((output, sent)) }
            }
            let achieved = Double(names.count) / (now() - started)
            dropping.withLock { $0 = false }
            let deadline = now() + 15
            while !pending.withLock({ $0.isEmpty }), now() < deadline { usleep(10_000) }
            let cpu = (cpuSeconds(pid: daemon.pid) ?? cpuBefore) - cpuBefore
            let latencies = results.withLock { $0 }
            var row = Row(filesystem: filesystem, rate: rate, files: names.count)
            row.latencies = latencies
            row.timedOut = names.count - latencies.count
            row.achievedRate = achieved
            row.ferryCPU = cpu
            (row.floorLatencies, row.floorCPU) = try runFloor(rate: rate, ids: nextID..<(nextID + files))
            nextID += files
            note(
                "latency \(filesystem) at \(rate)/s over \(names.count) files: p50 \(String(format: "%.1f", percentile(latencies, 50) * 1000)) ms, "
                    + "p99 \(String(format: "%.1f", percentile(latencies, 99) * 1000)) ms, timed out \(row.timedOut), "
                    + "CPU \(String(format: "%.2f", cpu)) s; floor p50 \(String(format: "%.1f", percentile(row.floorLatencies, 50) * 1000)) ms, "
                    + "p99 \(String(format: "%.1f", percentile(row.floorLatencies, 99) * 1000)) ms")
            rows.append(row)
        }
        return rows
    }

    /// The floor at `rate`: each file renamed into its inbox when due and at once claimed, mapped, committed,
    /// published and archived alone, as a lone file is. No watcher wakes it, so its latency is a lower bound.
    private func runFloor(rate: Int, ids: Range<Int>) throws -> ([Double], Double) {
        let floor = try WorkFloor(root: root.appendingPathComponent("floor"))
        defer { floor.remove() }
        let names = try floor.stage(ids: ids)
        let interval = 1.0 / Double(rate)
        var latencies: [Double] = []
        // Only the files' work: the waits between them would add the timer's wake-ups.
        var cpu = 0.0
        let started = now()
        for (index, name) in names.enumerated() {
            let due = started + Double(index) * interval
            while now() < due { usleep(UInt32(max(50, min(5_000, (due - now()) * 1e6 - 200)))) }
            let sent = now()
            try floor.drop(name)
            let cpuBefore = threadCPUSeconds()
            try floor.process([name])
            cpu += threadCPUSeconds() - cpuBefore
            latencies.append(floor.published - sent)
        }
        try floor.checkOutputs(names.count)
        return (latencies, cpu)
    }
}

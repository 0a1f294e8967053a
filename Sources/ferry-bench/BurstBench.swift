import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Case 2: N single-order files renamed into the inbox at once, through the map stage (fsync on: the engine
/// always fsyncs), vs an `inotifywait -m | while read; do xsltproc; done` loop on the same burst.
struct BurstBench {
    struct Row {
        var filesystem: String
        var files: Int
        var ferrySeconds: [Double] = []
        var ferryMissed: [Int] = []
        var loopSeconds: [Double] = []
        var loopMissed: [Int] = []
        var idleHWM: [Int] = []
        var burstHWM: [Int] = []
        /// `ferry watch`'s CPU seconds (every thread) from the first rename to the last output.
        var ferryCPU: [Double] = []
        /// The floor (``WorkFloor``): seconds from the first rename to the last output, and its CPU seconds.
        var floorSeconds: [Double] = []
        var floorCPU: [Double] = []

        /// ferry's outputs per second: the median over the runs of the files it gave an output, over its time.
        var ferryRate: Double { Self.outputRate(files, ferrySeconds, ferryMissed) }
        /// The loop's outputs per second, the same way. A file the loop lost (its inotify queue overflowed) is
        /// work it never did: at 30,000 files it loses about a third, and counting those as done
        /// (``loopRateCountingMissed``) credits it with about half again the speed its xsltproc runs have.
        var loopRate: Double { Self.outputRate(files, loopSeconds, loopMissed) }
        /// The burst's size over the loop's time, lost files counted as done (the report shows it beside).
        var loopRateCountingMissed: Double { Double(files) / median(loopSeconds) }

        private static func outputRate(_ files: Int, _ seconds: [Double], _ missed: [Int]) -> Double {
            median(zip(seconds, missed).map { Double(files - $1) / $0 })
        }
    }

    let filesystem: String
    let root: URL
    let ferry: String
    let stylesheet: URL
    let sizes: [Int]
    let repeats: Int
    let loopTimeout: Double

    func run() throws -> [Row] {
        var rows: [Row] = []
        var nextID = 1
        for size in sizes {
            var row = Row(filesystem: filesystem, files: size)
            for round in 0..<repeats {
                for side in (round % 2 == 0 ? ["ferry", "loop"] : ["loop", "ferry"]) + ["floor"] {
                    let ids = nextID..<(nextID + size)
                    nextID += size
                    if side == "ferry" {
                        let (seconds, missed, idle, peak, cpu) = try runFerry(ids: ids)
                        row.ferrySeconds.append(seconds)
                        row.ferryCPU.append(cpu)
                        row.ferryMissed.append(missed)
                        row.idleHWM.append(idle)
                        row.burstHWM.append(peak)
                        note("burst \(filesystem) \(size) ferry: \(String(format: "%.2f", seconds)) s, CPU \(String(format: "%.2f", cpu)) s, missed \(missed), VmHWM idle \(idle) kB, burst \(peak) kB")
                    } else if side == "floor" {
                        let (seconds, cpu) = try runFloor(ids: ids)
                        row.floorSeconds.append(seconds)
                        row.floorCPU.append(cpu)
                        note("burst \(filesystem) \(size) floor: \(String(format: "%.2f", seconds)) s, CPU \(String(format: "%.2f", cpu)) s")
                    } else {
                        let (seconds, missed) = try runLoop(ids: ids)
                        row.loopSeconds.append(seconds)
                        row.loopMissed.append(missed)
                        note("burst \(filesystem) \(size) loop: \(String(format: "%.2f", seconds)) s, missed \(missed)")
                    }
                }
            }
            rows.append(row)
        }
        try? FileManager.default.removeItem(at: root)
        return rows
    }

    /// Returns (seconds until every output exists, files without an output, VmHWM idle, VmHWM after the burst,
    /// CPU seconds the daemon used meanwhile).
    func runFerry(ids: Range<Int>) throws -> (Double, Int, Int, Int, Double) {
        let daemon = try FerryDaemon(ferry: ferry, root: root.appendingPathComponent("ferry"))
        defer {
            daemon.stop()
            try? FileManager.default.removeItem(at: daemon.root)
        }
        let names = try OrderGenerator.writeSingles(ids: ids, into: daemon.staging)
        usleep(500_000)
        let idle = peakRSS(pid: daemon.pid) ?? 0
        let cpuBefore = cpuSeconds(pid: daemon.pid) ?? 0
        let started = now()
        for name in names { try daemon.drop(name) }
        // Outputs: the warm-up file's plus one per input. Bounded: 10 minutes at most.
        let done = daemon.waitForOutputs(names.count + 1, timeout: 600, last: names.last.map(FerryDaemon.outputName))
        let seconds = now() - started
        let cpu = (cpuSeconds(pid: daemon.pid) ?? cpuBefore) - cpuBefore
        let peak = peakRSS(pid: daemon.pid) ?? 0
        let missed = done ? 0 : names.count + 1 - countVisibleEntries(daemon.outbox.path)
        return (seconds, missed, idle, peak, cpu)
    }

    /// The floor of the same burst (``WorkFloor``): returns (seconds from the first rename to the last output, CPU
    /// seconds of its one thread after the renames, which for ferry the bench makes, not the daemon).
    func runFloor(ids: Range<Int>) throws -> (Double, Double) {
        let floor = try WorkFloor(root: root.appendingPathComponent("floor"))
        defer { floor.remove() }
        let names = try floor.stage(ids: ids)
        let started = now()
        for name in names { try floor.drop(name) }
        let cpuBefore = threadCPUSeconds()
        // As the engine takes a burst: the names as the folder lists them, 64 files a batch.
        let listed = try FileManager.default.contentsOfDirectory(atPath: floor.inbox.path)
        for start in stride(from: 0, to: listed.count, by: 64) {
            try floor.process(Array(listed[start..<min(start + 64, listed.count)]))
        }
        let result = (now() - started, threadCPUSeconds() - cpuBefore)
        try floor.checkOutputs(names.count)
        return result
    }

    /// Returns (seconds until the last output appeared, files without an output).
    func runLoop(ids: Range<Int>) throws -> (Double, Int) {
        let base = root.appendingPathComponent("loop")
        try makeFolder(base)
        defer { try? FileManager.default.removeItem(at: base) }
        let inbox = base.appendingPathComponent("inbox"), outbox = base.appendingPathComponent("outbox")
        let staging = base.appendingPathComponent("staging")
        for folder in [inbox, outbox] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let names = try OrderGenerator.writeSingles(ids: ids, into: staging)
        let errors = base.appendingPathComponent("inotifywait.err")
        // What a user would write.
        let script = """
            inotifywait -m -e close_write,moved_to --format '%f' "$1" 2>"$4" | while read f; do \
            xsltproc -o "$2/$f" "$3" "$1/$f"; done
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script, "loop", inbox.path, outbox.path, stylesheet.path, errors.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // Children inherit a blocked SIGTERM from this process: SIGKILL the inotifywait (found by its parent's
            // pid), and the loop ends on end of input.
            let bash = process.processIdentifier
            for pid in shell("pgrep -P \(bash) -x inotifywait").split(separator: "\n").compactMap({ Int32($0) }) {
                kill(pid, SIGKILL)
            }
            let deadline = now() + 10
            while process.isRunning, now() < deadline { usleep(10_000) }
            if process.isRunning { kill(bash, SIGKILL) }
        }
        let ready = now() + 10
        while now() < ready, !((try? String(contentsOf: errors, encoding: .utf8)) ?? "").contains("Watches established") {
            usleep(5_000)
        }
        let started = now()
        for name in names {
            guard rename(staging.appendingPathComponent(name).path, inbox.appendingPathComponent(name).path) == 0 else {
                throw BenchError("rename into the loop's inbox failed: errno \(errno)")
            }
        }
        // Until every output exists, or nothing new for 3 s (the loop missed some), bounded by loopTimeout. The
        // loop handles its inputs in order: the last output is stat'ed every 5 ms and the folder listed only every
        // 200 ms (listing thousands of names every few ms would slow what it times, as for ferry).
        var last = 0
        var lastChange = now()
        var finished = started
        var nextListing = 0.0
        let lastOutput = outbox.appendingPathComponent(names.last ?? "").path
        var info = stat()
        var sawLast = false
        while now() - started < loopTimeout {
            if !sawLast, stat(lastOutput, &info) == 0 {
                sawLast = true
                finished = now()
                last = countVisibleEntries(outbox.path)
                lastChange = finished
                if last >= names.count { break }
            }
            if now() >= nextListing {
                nextListing = now() + 0.2
                let count = countVisibleEntries(outbox.path)
                if count != last { last = count; lastChange = now(); finished = lastChange }
                if count >= names.count || now() - lastChange > 3 { break }
            }
            usleep(5_000)
        }
        return (finished - started, names.count - last)
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Case 3b: what one lone file costs in fsync-family calls, end to end: `ferry watch` under `strace -c -w -f`,
/// files renamed into the inbox one at a time at 5/s (each meets an idle daemon), less the same daemon started and
/// stopped with none; the difference over the files. `-w` sums each call's wall-clock time, so the row also says
/// how long a lone file waits for the disk inside those calls, which less CPU work in the engine does not shorten.
struct LoneFileBench {
    struct Row {
        var filesystem: String
        var files: Int
        var callsPerFile: Double
        var byCall: [String: Double]
        /// Wall-clock milliseconds per file inside each call (strace's `-w` summary).
        var millisecondsByCall: [String: Double]
    }

    static let calls = ["fsync", "fdatasync", "syncfs", "sync_file_range", "msync"]

    let filesystem: String
    let root: URL
    let ferry: String
    let files: Int

    func run() throws -> Row {
        let idle = try traced(files: 0)
        let busy = try traced(files: files)
        var byCall: [String: Double] = [:]
        var milliseconds: [String: Double] = [:]
        for call in Self.calls {
            let extra = Double((busy[call]?.calls ?? 0) - (idle[call]?.calls ?? 0)) / Double(files)
            if extra != 0 { byCall[call] = extra }
            let time = ((busy[call]?.seconds ?? 0) - (idle[call]?.seconds ?? 0)) * 1000 / Double(files)
            if extra != 0 { milliseconds[call] = max(0, time) }
        }
        let row = Row(
            filesystem: filesystem, files: files, callsPerFile: byCall.values.reduce(0, +), byCall: byCall,
            millisecondsByCall: milliseconds)
        note("lone files on \(filesystem): \(String(format: "%.2f", row.callsPerFile)) fsync-family calls per file \(byCall), ms \(milliseconds)")
        return row
    }

    /// The fsync-family calls of one daemon's life (start, its first file, `files` more at 5/s, stop), by call:
    /// how many, and the wall-clock seconds spent in them.
    private func traced(files: Int) throws -> [String: (calls: Int, seconds: Double)] {
        let summary = root.appendingPathComponent("strace-\(files).txt")
        try makeFolder(root)
        let daemon = try FerryDaemon(
            ferry: ferry, root: root.appendingPathComponent("daemon"),
            prefix: ["/usr/bin/strace", "-c", "-w", "-f", "-e", "trace=" + Self.calls.joined(separator: ","), "-o", summary.path, "--"])
        let names = try OrderGenerator.writeSingles(ids: 7_000_000..<(7_000_000 + files), into: daemon.staging)
        for (index, name) in names.enumerated() {
            usleep(200_000)
            try daemon.drop(name)
            guard daemon.waitForOutputs(index + 2, timeout: 10) else {
                daemon.stop()
                throw BenchError("ferry watch under strace did not map \(name) within 10 s")
            }
        }
        daemon.stop()
        defer { try? FileManager.default.removeItem(at: daemon.root) }
        let text = (try? String(contentsOf: summary, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: summary)
        // `% time  seconds  usecs/call  calls  [errors]  syscall`: the seconds are the second column, the count
        // the fourth.
        var counts: [String: (calls: Int, seconds: Double)] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let name = fields.last.map(String.init), Self.calls.contains(name), fields.count >= 5,
                let seconds = Double(fields[1]), let count = Int(fields[3])
            else { continue }
            counts[name] = (count, seconds)
        }
        return counts
    }
}

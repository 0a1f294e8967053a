import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Monotonic seconds.
func now() -> Double {
    // CLOCK_MONOTONIC through Dispatch: `timespec`'s members resolve to CDispatch's copy of the type, which
    // MemberImportVisibility then refuses in some batch orders.
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// The `p` percentile (0...100), nearest rank.
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// Progress lines on stderr, so stdout stays for the child protocol.
func note(_ text: String) {
    // The machine is shared: every figure the log shows carries the time and the load it was measured under.
    let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withTime, .withColonSeparatorInTime])
    FileHandle.standardError.write(Data("[bench \(stamp) load \(loadAverage())] \(text)\n".utf8))
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg gives them.
func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What one child process cost: wall time measured here, peak RSS from `/usr/bin/time`.
struct ChildCost {
    var seconds: Double
    var peakRSSKilobytes: Int
    var output: String
}

/// Runs `arguments` under `/usr/bin/time -f %M` and returns its wall time and peak RSS (ru_maxrss of that child).
func runMeasured(_ arguments: [String], timeout: Double) throws -> ChildCost {
    let timeFile = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bench-time-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: timeFile) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    process.arguments = ["-f", "%M", "-o", timeFile.path] + arguments
    let stdout = Pipe()
    process.standardOutput = stdout
    let started = now()
    try process.run()
    let reader = Thread.detachedRead(stdout)
    let deadline = started + timeout
    while process.isRunning {
        if now() > deadline {
            process.terminate()
            throw BenchError("\(arguments.first ?? "child") took longer than \(Int(timeout)) s: stopped")
        }
        usleep(2_000)
    }
    let seconds = now() - started
    process.waitUntilExit()
    let output = reader.result()
    guard process.terminationStatus == 0 else {
        throw BenchError("\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
    let text = (try? String(contentsOf: timeFile, encoding: .utf8)) ?? ""
    let rss = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last ?? 0
    return ChildCost(seconds: seconds, peakRSSKilobytes: rss, output: output)
}

/// Runs a shell command line and returns its standard output (machine facts, versions).
func shell(_ command: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    guard (try? process.run()) != nil else { return "" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A pipe drained on its own thread, so a chatty child never blocks on a full pipe.
final class PipeReader: @unchecked Sendable {
    // Safe: `data` is written only by the reader thread before `done` is signalled, read only after.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    fileprivate init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func result() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

extension Thread {
    static func detachedRead(_ pipe: Pipe) -> PipeReader { PipeReader(pipe) }
}

/// Counts the visible (non-dot) entries of a folder with readdir: cheap enough to poll every few milliseconds.
func countVisibleEntries(_ path: String) -> Int {
    guard let dir = opendir(path) else { return 0 }
    defer { closedir(dir) }
    var count = 0
    while let entry = readdir(dir) {
        // Only the name's first byte, read in place: copying the 256-byte `d_name` reads past a short record
        // at the end of readdir's buffer (the bug AddressSanitizer found in FolderEntry.list).
        let first = (UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!).load(as: UInt8.self)
        if first != UInt8(ascii: ".") { count += 1 }
    }
    return count
}

/// `VmHWM` (peak resident set) of a running process, in kB.
func peakRSS(pid: Int32) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
    }
    return nil
}

/// CPU time (user and system, every thread) a running process has used so far, in seconds: `utime` and `stime`
/// of `/proc/<pid>/stat`.
func cpuSeconds(pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return nil }
    // After the command name in parentheses: state is field 3, utime and stime fields 14 and 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU time the calling thread has used so far, in seconds: the floor runs on one thread of the bench, beside the
/// bench's own threads. `CLOCK_THREAD_CPUTIME_ID` is exact to the nanosecond; `getrusage`'s per-thread figures are
/// split by clock ticks and lag by milliseconds, more than a lone file's work.
func threadCPUSeconds() -> Double {
    // A `timespec` is two longs; read as such because this module cannot name its members (MemberImportVisibility
    // finds them in CDispatch, which it does not import).
    var time: (seconds: Int, nanoseconds: Int) = (0, 0)
    let read = withUnsafeMutablePointer(to: &time) { pointer in
        pointer.withMemoryRebound(to: timespec.self, capacity: 1) { clock_gettime(CLOCK_THREAD_CPUTIME_ID, $0) }
    }
    guard read == 0 else { return 0 }
    return Double(time.seconds) + Double(time.nanoseconds) / 1e9
}

/// A fresh folder under the bench root.
func makeFolder(_ url: URL) throws {
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
}

/// A value shared between the bench's threads.
final class Shared<Value>: @unchecked Sendable {
    // Safe: `value` is only touched while holding `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// What the filesystem under `folder` allows: 4 KB write + fsync + rename + fsync(dir), per second (the floor of
/// any durable hand-over) and the 99th percentile of one, bounded to `count` files and 20 s (plus the pauses).
///
/// - Parameter pause: seconds before each hand-over. Zero runs them back to back; a lone file's pause (0.2 s at 5
///   files/s) makes each meet the disk as a lone file does, idle since the one before.
func syncedRenames(folder: URL, count: Int = 200, pause: Double = 0) -> (perSecond: Double, p99: Double) {
    let dir = folder.appendingPathComponent("fsync-probe")
    guard (try? makeFolder(dir)) != nil else { return (0, 0) }
    defer { try? FileManager.default.removeItem(at: dir) }
    let block = [UInt8](repeating: 0x78, count: 4096)
    let started = now()
    var done = 0
    var times: [Double] = []
    while done < count, now() - started < 20 + Double(count) * pause {
        if pause > 0 { usleep(UInt32(pause * 1e6)) }
        let began = now()
        let temp = dir.appendingPathComponent(".f\(done).tmp").path, final = dir.appendingPathComponent("f\(done)").path
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return (0, 0) }
        _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        rename(temp, final)
        let dfd = open(dir.path, O_RDONLY | O_DIRECTORY)
        fsync(dfd)
        close(dfd)
        times.append(now() - began)
        done += 1
    }
    return (Double(done) / (now() - started - Double(done) * pause), percentile(times, 99))
}

/// One row per size, each made by `body` in `root`, a fresh folder removed afterwards.
func rowsPerSize<Row>(in root: URL, sizes: [Int], _ body: (Int) throws -> Row) throws -> [Row] {
    try makeFolder(root)
    defer { try? FileManager.default.removeItem(at: root) }
    return try sizes.map(body)
}

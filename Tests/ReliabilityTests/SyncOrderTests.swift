import FerryTestSupport
import Foundation
import Testing

/// The order of the syncs that make a file's run exactly-once across a power cut, read from the kernel's side:
/// `ferry run` under `strace` on one file, on the disk. The output's temporary is synced before its commit is
/// even written to the WAL (the kernel may write WAL pages back at any time, so a commit written first could reach
/// the disk without the output: recovery would take the lost temporary for a published one), the WAL before the
/// output is renamed into view (so a visible output is never one the journal forgot), and the output folder after it.
@Suite("the syncs of one file, in order")
struct SyncOrderTests {
    @Test func theOutputThenTheWALThenTheRenameThenTheFolder() async throws {
        let strace = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: strace) else {
            Issue.record("strace is missing: scripts/install-deps --test installs it")
            return
        }
        let root = try FerryRoot()
        try root.writeConfig()
        try root.deliver("order-1.xml", FerryRoot.order(1))
        let trace = root.url.appendingPathComponent("logs/strace.txt")
        let run = try runProcess(strace, [
            "-f", "-y", "-e", "trace=openat,pwrite64,fsync,fdatasync,syncfs,rename,renameat2", "-o", trace.path,
            ferryExecutable.path, "run", "--config", root.config.path,
        ])
        #expect(run.status == 0, "\(run.output)")
        let lines = Self.joiningInterruptedCalls(try String(contentsOf: trace, encoding: .utf8))
        let outbox = root.outbox.path
        func first(after start: Int, _ matches: (String) -> Bool) -> Int? {
            lines.indices.first { $0 > start && matches(lines[$0]) && lines[$0].hasSuffix("= 0") }
        }
        let created = lines.firstIndex { $0.contains("openat(") && $0.contains("\(outbox)/.ferry-") && $0.contains("O_CREAT") }
        let temporary = first(after: created ?? -1) { $0.contains("fsync(") && $0.contains("\(outbox)/.ferry-") && $0.contains(".tmp>") }
        let wal = temporary.flatMap { start in first(after: start) { $0.contains("fdatasync(") && $0.contains("ferry.sqlite-wal>") } }
        let rename = wal.flatMap { start in first(after: start) { $0.contains("renameat2(") && $0.contains("\"\(outbox)/order-1") } }
        let folder = rename.flatMap { start in first(after: start) { $0.contains("fsync(") && $0.contains("<\(outbox)>") } }
        func writesWAL(from start: Int?, to end: Int?) -> Bool {
            guard let start, let end, start < end else { return false }
            return lines[(start + 1)..<end].contains { $0.contains("pwrite64(") && $0.contains("ferry.sqlite-wal>") }
        }
        #expect(created != nil, "no creation of the output's temporary:\n\(lines.joined(separator: "\n"))")
        #expect(temporary != nil, "no fsync of the output's temporary:\n\(lines.joined(separator: "\n"))")
        #expect(!writesWAL(from: created, to: temporary), "the WAL was written before the temporary was synced")
        #expect(writesWAL(from: temporary, to: wal), "the commit was not written between the temporary's and the WAL's sync")
        #expect(wal != nil, "no fdatasync of the WAL after the temporary's fsync:\n\(lines.joined(separator: "\n"))")
        #expect(rename != nil, "no rename of the output after the WAL's fdatasync:\n\(lines.joined(separator: "\n"))")
        #expect(folder != nil, "no fsync of the outbox after the rename:\n\(lines.joined(separator: "\n"))")
        #expect(FileManager.default.fileExists(atPath: "\(outbox)/order-1.xml"))
    }

    /// strace's lines, one per call: with `-f`, a call another thread interrupts is printed as
    /// `PID  fsync(7</path> <unfinished ...>` and later `PID  <... fsync resumed>) = 0`; the two are joined at
    /// the first one's place (where the call began).
    static func joiningInterruptedCalls(_ text: String) -> [String] {
        var lines: [String] = []
        var unfinished: [Substring: Int] = [:]
        for line in text.split(separator: "\n") {
            let pid = line.prefix { $0 != " " }
            if let resumed = line.range(of: " resumed>"), let index = unfinished.removeValue(forKey: pid) {
                lines[index] = lines[index].replacingOccurrences(of: " <unfinished ...>", with: "") + line[resumed.upperBound...]
                continue
            }
            if line.hasSuffix("<unfinished ...>") { unfinished[pid] = lines.count }
            lines.append(String(line))
        }
        return lines
    }
}

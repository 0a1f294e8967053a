import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `ferry watch` child process over a fresh folder tree with one map stage (`magento-orders-to-sage-orders`).
final class FerryDaemon {
    let root: URL
    let inbox: URL
    let outbox: URL
    /// Where files are written before being renamed into the inbox (same filesystem, so the rename is atomic).
    let staging: URL
    private let process = Process()

    /// - Parameter prefix: a command the daemon runs under (`strace -c -f -o file --`), empty for none.
    init(ferry: String, root: URL, prefix: [String] = []) throws {
        self.root = root
        inbox = root.appendingPathComponent("inbox")
        outbox = root.appendingPathComponent("outbox")
        staging = root.appendingPathComponent("staging")
        try makeFolder(root)
        for folder in [inbox, outbox, staging, root.appendingPathComponent("fail")] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let config = """
            {
              "logLevel": "warning",
              "stages": [
                {"name": "map-orders", "task": "magento-orders-to-sage-orders", "watch": "inbox",
                 "outputs": {"out": "outbox", "fail": "fail"}}
              ]
            }
            """
        let configURL = root.appendingPathComponent("config.json")
        try Data(config.utf8).write(to: configURL)
        let command = prefix + [ferry, "watch", "--config", configURL.path]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/stderr")
        try process.run()
        // Ready when a first file goes through (the engine recovers and sets its watches before it takes files).
        let names = try OrderGenerator.writeSingles(ids: 900_000_000..<900_000_001, into: staging)
        try drop(names[0])
        guard waitForOutputs(1, timeout: 30) else {
            stop()
            throw BenchError("ferry watch did not map a first file within 30 s")
        }
    }

    var pid: Int32 { process.processIdentifier }

    /// The output name the map stage gives input `name`.
    static func outputName(_ name: String) -> String {
        (name.hasSuffix(".xml") ? String(name.dropLast(4)) : name) + "-sage-orders.xml"
    }

    /// Renames a staged file into the inbox.
    func drop(_ name: String) throws {
        guard rename(staging.appendingPathComponent(name).path, inbox.appendingPathComponent(name).path) == 0 else {
            throw BenchError("rename \(name) into the inbox: errno \(errno)")
        }
    }

    /// Waits until the outbox holds `count` visible files; false on timeout.
    ///
    /// With `last` (the output of the last input dropped), it stats that one name every 2 ms and lists the folder
    /// only once it exists (then every 20 ms): listing 10,000 names every 2 ms took most of a core from the
    /// daemon it was timing. A stage publishes in its inputs' order, so the last output comes last.
    func waitForOutputs(_ count: Int, timeout: Double, last: String? = nil) -> Bool {
        let deadline = now() + timeout
        if let last {
            let path = outbox.appendingPathComponent(last).path
            var info = stat()
            while now() < deadline, stat(path, &info) != 0 { usleep(2_000) }
        }
        while now() < deadline {
            if countVisibleEntries(outbox.path) >= count { return true }
            usleep(last == nil ? 2_000 : 20_000)
        }
        return false
    }

    /// SIGTERM (graceful), then SIGKILL after 5 s (this process's children may inherit a blocked SIGTERM). Under
    /// a prefix the signal goes to ferry, the prefix's child: the prefix (strace) then reports and exits.
    func stop() {
        guard process.isRunning else { return }
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        if let ferry = children.split(separator: " ").first.flatMap({ Int32($0) }) {
            kill(ferry, SIGTERM)
        } else {
            process.terminate()
        }
        let deadline = now() + 5
        while process.isRunning, now() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let reaped = now() + 5
        while process.isRunning, now() < reaped { usleep(10_000) }
    }
}

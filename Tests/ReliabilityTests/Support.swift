import FerryTestSupport
import Foundation
import Testing

/// `FERRY_LONG=1` turns the small CI counts into the large on-demand ones.
let longRun = ProcessInfo.processInfo.environment["FERRY_LONG"] != nil

/// True when the tests run as root (sysctls, tmpfs mounts, chmod 000 is no barrier).
let runningAsRoot = geteuid() == 0

/// A temporary ferry root on disk, driven through the real `ferry` binary as a child process.
final class FerryRoot: @unchecked Sendable {
    // @unchecked: one test body owns a root; children are only started and stopped from it.
    let url: URL
    private(set) var logs: [URL] = []
    /// A tmpfs mounted for this root (unmounted with it).
    private var mountPoint: URL?

    static let identityStylesheet = """
        <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
          <xsl:template match="/"><Mapped><xsl:copy-of select="."/></Mapped></xsl:template>
        </xsl:stylesheet>
        """

    /// The one-stage config most tests use: `inbox/in` -> xslt -> `outbox/out`.
    static let xsltStage = """
        { "name": "map", "watch": "inbox/in", "task": "xslt", "settings": { "stylesheet": "mappings/identity.xsl" },
          "outputs": { "out": "outbox/out" } }
        """

    init(base: URL? = nil) throws {
        let base = base ?? FileManager.default.temporaryDirectory
        url = base.appendingPathComponent("ferry-rel-\(UUID().uuidString.prefix(8))")
        for folder in ["inbox/in", "outbox/out", "mappings", "logs"] {
            try FileManager.default.createDirectory(at: url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(Self.identityStylesheet.utf8).write(to: url.appendingPathComponent("mappings/identity.xsl"))
    }

    /// A root on a fresh tmpfs when running as root (fsync costs nothing there, so big bursts stay quick),
    /// else an ordinary temporary root.
    static func onTmpfs(size: String = "512m") throws -> FerryRoot {
        guard runningAsRoot else { return try FerryRoot() }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-rel-tmpfs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        guard shell("mount -t tmpfs -o size=\(size) ferry-rel '\(base.path)'").status == 0 else { return try FerryRoot() }
        let root = try FerryRoot(base: base)
        root.mountPoint = base
        return root
    }

    deinit {
        defer {
            if let mountPoint {
                shell("umount -l '\(mountPoint.path)'")
                try? FileManager.default.removeItem(at: mountPoint)
            }
        }
        // chmod 000 folders in a test would stop the removal: open them up first.
        if let paths = FileManager.default.enumerator(atPath: url.path) {
            while let path = paths.nextObject() as? String { chmod(url.appendingPathComponent(path).path, 0o755) }
        }
        try? FileManager.default.removeItem(at: url)
    }

    var inbox: URL { url.appendingPathComponent("inbox/in") }
    var outbox: URL { url.appendingPathComponent("outbox/out") }
    var work: URL { inbox.appendingPathComponent(".ferry-work") }
    var failed: URL { url.appendingPathComponent("failed") }
    var config: URL { url.appendingPathComponent("config.json") }

    /// Writes config.json with `stages` (JSON objects) and extra top-level keys.
    @discardableResult
    func writeConfig(stages: [String] = [FerryRoot.xsltStage], extra: String = "", settle: Int = 100, rescan: Int = 30) throws -> URL {
        let text = """
            { "settleMilliseconds": \(settle), "rescanSeconds": \(rescan), "logLevel": "info", \(extra)
              "stages": [ \(stages.joined(separator: ",\n")) ] }
            """
        try Data(text.utf8).write(to: config)
        return config
    }

    /// A small valid order file.
    static func order(_ id: Int) -> String {
        "<ArrayOfOrderInfo><OrderInfo><order_id>\(id)</order_id></OrderInfo></ArrayOfOrderInfo>\n"
    }

    /// Delivers by write to a hidden name, then rename.
    func deliver(_ name: String, _ data: Data, into folder: URL? = nil) throws {
        let folder = folder ?? inbox
        let temp = folder.appendingPathComponent(".\(UUID().uuidString).part")
        try data.write(to: temp)
        guard rename(temp.path, folder.appendingPathComponent(name).path) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    func deliver(_ name: String, _ text: String, into folder: URL? = nil) throws {
        try deliver(name, Data(text.utf8), into: folder)
    }

    /// Visible entries of `folder` (hidden ones left out), sorted.
    func files(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Every entry (hidden ones too) of `folder`.
    func entries(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    /// Every non-directory path under `folder`, relative, hidden ones included (symbolic links not followed).
    func allFiles(under folder: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var result: [String] = []
        while let path = enumerator.nextObject() as? String {
            // attributesOfItem does not follow a symbolic link (lstat).
            let type = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(path).path)[.type]
            if let type = type as? FileAttributeType, type != .typeDirectory {
                result.append(path)
            }
        }
        return result.sorted()
    }

    /// Archived inputs of `stage` (names only), across days.
    func archived(stage: String = "map") -> [String] {
        allFiles(under: url.appendingPathComponent("archive")).filter { $0.split(separator: "/").dropLast().last.map(String.init) == stage }
            .map { ($0 as NSString).lastPathComponent }.sorted()
    }

    /// Quarantined inputs of `stage` (names only, without their `.error.txt`).
    func quarantined(stage: String = "map") -> [String] {
        files(in: failed.appendingPathComponent(stage)).filter { !$0.hasSuffix(".error.txt") }
    }

    /// Temporaries anywhere under the root (`.ferry-*.tmp`), which must never be left visible.
    var temporaries: [String] {
        allFiles(under: url).filter { ($0 as NSString).lastPathComponent.hasPrefix(".ferry-") && $0.hasSuffix(".tmp") }
    }

    /// Starts `ferry <arguments> --config config.json` with `environment` added; its stderr goes to a log file.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Child {
        let log = url.appendingPathComponent("logs/ferry-\(logs.count).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        logs.append(log)
        return try Child(arguments: arguments + ["--config", config.path], environment: environment, log: log)
    }

    /// Runs `ferry <arguments>` to its end (hang guard `timeout`); returns its status, stdout and stderr.
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws
        -> (status: Int32, output: String, log: String)
    {
        let child = try start(arguments, environment: environment)
        let status = try await child.wait(timeout: timeout)
        return (status, child.output, child.log)
    }

    /// Every log line the children wrote so far.
    var allLogs: String {
        logs.compactMap { try? String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
    }
}

/// A running `ferry` child process.
final class Child: @unchecked Sendable {
    // @unchecked: Process is thread-safe for what we use (terminate, isRunning, status after exit).
    let process = Process()
    let logURL: URL
    private let outputURL: URL

    init(arguments: [String], environment: [String: String], log: URL) throws {
        logURL = log
        outputURL = log.appendingPathExtension("out")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        process.executableURL = ferryExecutable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["JOURNAL_STREAM"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    func kill(_ signal: Int32 = SIGKILL) { Foundation.kill(pid, signal) }

    /// SIGKILLs the child `milliseconds` from now, timed on a thread of its own: a test's `Task.sleep` can
    /// resume seconds late while many suites share the cooperative pool, and the run it meant to interrupt has
    /// finished by then (seen in a run of six test targets at once). Await ``wait(timeout:)`` after it.
    func kill(afterMilliseconds milliseconds: Int) {
        Thread.detachNewThread { [self] in
            usleep(useconds_t(milliseconds * 1000))
            if process.isRunning { kill(SIGKILL) }
        }
    }

    /// Waits for the child to end; SIGKILLs it and fails after `timeout` (a hang guard only).
    @discardableResult
    func wait(timeout: Duration = .seconds(120)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(SIGKILL)
                process.waitUntilExit()
                Issue.record("ferry \(process.arguments ?? []) did not end within \(timeout); log:\n\(log.suffix(3000))")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// True when the child was ended by `signal`.
    func endedBy(_ signal: Int32) -> Bool {
        !process.isRunning && process.terminationReason == .uncaughtSignal && process.terminationStatus == signal
    }

    /// Waits until the daemon logged that its watches are in place.
    func waitUntilWatching(timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("ferry watch ready", timeout: timeout) { log.contains("msg=watching") || !isRunning }
    }

    /// SIGTERM, then wait; SIGKILL as the hang guard.
    @discardableResult
    func stop(timeout: Duration = .seconds(60)) async throws -> Int32 {
        guard isRunning else { return process.terminationStatus }
        kill(SIGTERM)
        return try await wait(timeout: timeout)
    }
}

/// Reads and writes a sysctl under /proc/sys; the old value is restored by the caller's `defer`.
struct Sysctl {
    let path: String

    init(_ name: String) { path = "/proc/sys/" + name.replacingOccurrences(of: ".", with: "/") }

    func read() throws -> String {
        try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ value: String) throws {
        try Data((value + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// Runs a long shell command without holding one of Swift's few cooperative threads while it runs (a blocked
/// thread starves every other test of the process): waits on its termination handler.
func shellAsync(_ command: String) async -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command + " 2>&1"]
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-shell-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    guard let handle = try? FileHandle(forWritingTo: output) else { return (127, "cannot create \(output.path)") }
    process.standardOutput = handle
    process.standardInput = FileHandle.nullDevice
    let status: Int32 = await withCheckedContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch {
            process.terminationHandler = nil
            continuation.resume(returning: 127)
        }
    }
    try? handle.close()
    return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
}

/// Runs a shell command, returning its status and combined output (for mount, openssl and the like).
@discardableResult
func shell(_ command: String) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command + " 2>&1"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch { return (127, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

extension FerryRoot {
    /// The invariants after any crash and recovery, for the one-stage xslt root:
    /// every input exactly once in archive or failed, every archived input's output exactly once, nothing left in
    /// the inbox or the work area, no temporary visible anywhere.
    func checkInvariants(inputs: Set<String>, expectFailed: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) {
        let archived = archived()
        let failed = quarantined()
        let placed = archived + failed
        #expect(placed.count == inputs.count, "each input exactly once in archive or failed: \(placed.count) for \(inputs.count)", sourceLocation: sourceLocation)
        #expect(Set(placed) == inputs, "archive + failed hold exactly the inputs; extra: \(Set(placed).subtracting(inputs).sorted().prefix(5)), missing: \(inputs.subtracting(placed).sorted().prefix(5))", sourceLocation: sourceLocation)
        #expect(Set(failed) == expectFailed, "quarantined: \(failed)", sourceLocation: sourceLocation)
        let outputs = files(in: outbox)
        #expect(outputs.count == archived.count, "one output per processed input: \(outputs.count) for \(archived.count)", sourceLocation: sourceLocation)
        #expect(Set(outputs) == Set(archived), "outputs named after their inputs, none duplicated", sourceLocation: sourceLocation)
        #expect(temporaries.isEmpty, "no temporary visible: \(temporaries.prefix(5))", sourceLocation: sourceLocation)
        #expect(entries(in: work).isEmpty, "work area empty: \(entries(in: work).prefix(5))", sourceLocation: sourceLocation)
        #expect(files(in: inbox).isEmpty, "inbox drained: \(files(in: inbox).prefix(5))", sourceLocation: sourceLocation)
    }

    /// Runs `ferry watch` until it dies at the crash point `point` (after `after` earlier hits), then restarts it
    /// and waits until all `inputs` are placed and the work area is empty, and stops it.
    func crashThenRecover(
        at point: String, after: String, inputs: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let crashing = try start(["watch"], environment: ["FERRY_CRASH_AT": point, "FERRY_CRASH_AFTER": after])
        try await crashing.wait(timeout: .seconds(120))
        #expect(crashing.endedBy(SIGKILL), "ferry died at \(point)", sourceLocation: sourceLocation)
        let restarted = try start(["watch"])
        // A crash after the last step can leave nothing to do: still let the restart finish starting up.
        try await restarted.waitUntilWatching()
        try await waitUntil("recovery after \(point)") { placedCount >= inputs && entries(in: work).isEmpty }
        #expect(try await restarted.stop() == 0, sourceLocation: sourceLocation)
    }

    /// Number of inputs that reached archive or failed.
    var placedCount: Int { archived().count + quarantined().count }
}

import FerryTestSupport
import Foundation

/// Runs the built `ferry` binary as an operator would, capturing its exit status, stdout and stderr.
struct FerryCLI {
    /// What one command did.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The folder tree (config.json at its top).
    let root: URL
    /// The child's whole environment: nothing of the test runner's leaks in unless asked for (no MAGENTO_TOKEN).
    var environment: [String: String] = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]

    /// A fresh temporary folder tree holding `config` as config.json and the given folders.
    init(config: String, folders: [String] = []) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-cli-\(UUID().uuidString)")
        for folder in [""] + folders {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(config.utf8).write(to: configFile)
    }

    var configFile: URL { root.appendingPathComponent("config.json") }

    /// Starts `ferry <arguments> --config <root>/config.json` (`--config` left out when `withConfig` is false),
    /// its stdout and stderr to the given files.
    func start(_ arguments: [String], withConfig: Bool = true, stdout: URL? = nil, stderr: URL) throws -> Process {
        let process = Process()
        process.executableURL = ferryExecutable
        process.arguments = arguments + (withConfig ? ["--config", configFile.path] : [])
        process.environment = environment
        process.currentDirectoryURL = root
        process.standardOutput = try stdout.map { try FileHandle(forWritingTo: $0) } ?? FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        return process
    }

    /// Waits for `process` on a polling loop, so no cooperative thread blocks; returns its exit status.
    static func wait(_ process: Process) async throws -> Int32 {
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }

    /// Runs a command to its end (see ``start(_:withConfig:stdout:stderr:)``); stderr goes to `stderr` when
    /// given (the file `JOURNAL_STREAM` names), else is captured.
    func run(_ arguments: [String], withConfig: Bool = true, stderr: URL? = nil) async throws -> Result {
        let out = root.appendingPathComponent(".out-\(UUID().uuidString)")
        let err = stderr ?? root.appendingPathComponent(".err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        if stderr == nil { _ = FileManager.default.createFile(atPath: err.path, contents: nil) }
        defer {
            try? FileManager.default.removeItem(at: out)
            if stderr == nil { try? FileManager.default.removeItem(at: err) }
        }
        let process = try start(arguments, withConfig: withConfig, stdout: out, stderr: err)
        let status = try await Self.wait(process)
        return Result(
            status: status, stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// Removes the folder tree.
    func remove() { try? FileManager.default.removeItem(at: root) }
}

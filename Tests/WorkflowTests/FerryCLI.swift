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

    /// Runs `ferry <arguments> --config <root>/config.json` (`--config` left out when `withConfig` is false) and
    /// waits for it on its termination handler, so no cooperative thread blocks.
    func run(_ arguments: [String], withConfig: Bool = true) async throws -> Result {
        let process = Process()
        process.executableURL = CommentCrashTests.ferry
        process.arguments = arguments + (withConfig ? ["--config", configFile.path] : [])
        process.environment = environment
        process.currentDirectoryURL = root
        let out = root.appendingPathComponent(".out-\(UUID().uuidString)")
        let err = root.appendingPathComponent(".err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Result(
            status: status, stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// Removes the folder tree.
    func remove() { try? FileManager.default.removeItem(at: root) }
}

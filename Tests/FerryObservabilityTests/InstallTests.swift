import FerryTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scripts/install` into a temporary prefix with the debug binary (`--binary`, so no release build), then what an
/// admin's systemd would do with the installed units: `systemd-analyze verify` and `security`, and the units'
/// command lines run under their seccomp, capability and privilege restrictions (`scripts/unit-sandbox`, because
/// systemd is not PID 1 here).
@Suite("install")
struct InstallTests {
    static let repository = SystemdUnitTests.folder.deletingLastPathComponent().deletingLastPathComponent()
    static let analyze = SystemdUnitTests.analyze
    static let python = ["/usr/bin/python3", "/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// The highest `systemd-analyze security --offline=yes` exposure a shipped service may have. Measured with
    /// systemd 252: 1.6 for each of the three services (3.2 before SystemCallFilter=, MemoryDenyWriteExecute=,
    /// ProtectProc= and RemoveIPC=); the margin allows for another systemd version's weights.
    static let exposureLimit = 2.0

    /// An installation in a temporary folder: `usr` is the prefix, `srv` the folder tree holding an admin's
    /// config.json (one XSLT stage, no network) written before the install.
    struct Installation {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-install-\(UUID().uuidString)")
        var prefix: URL { root.appendingPathComponent("usr") }
        var tree: URL { root.appendingPathComponent("srv") }
        var units: URL { prefix.appendingPathComponent("lib/systemd/system") }
        static let adminConfig = """
            { "stateStore": "state/ferry.sqlite", "settleMilliseconds": 0, "failedFolder": "failed",
              "archive": { "folder": "archive" }, "metrics": { "textfile": "state/ferry.prom" },
              "stages": [ { "name": "map", "watch": "inbox/in", "task": "xslt", "settings": { "stylesheet": "mappings/copy.xsl" },
                "outputs": { "out": "outbox/out" } } ] }
            """

        init() throws {
            for folder in ["inbox/in", "outbox/out", "archive", "failed", "state", "mappings"] {
                try FileManager.default.createDirectory(at: tree.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            try Data(Self.adminConfig.utf8).write(to: tree.appendingPathComponent("config.json"))
            try Data("""
                <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
                  <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>
                </xsl:stylesheet>
                """.utf8).write(to: tree.appendingPathComponent("mappings/copy.xsl"))
        }

        func install() throws -> (status: Int32, output: String) {
            try runProcess(
                "/bin/bash",
                [Self.script, "--prefix", prefix.path, "--config-dir", tree.path, "--binary", ferryExecutable.path])
        }

        static var script: String { InstallTests.repository.appendingPathComponent("scripts/install").path }

        /// The unit's `key=` command line, split at spaces (the shipped units quote nothing).
        func command(_ unit: String, _ key: String = "ExecStart") throws -> [String] {
            let line = try #require(try SystemdUnitTests.values(unit, "Service", key, in: units).first)
            return line.split(separator: " ").map(String.init)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    @Test("Binary, units with the prefix's paths, completions, docs and examples; an admin's config.json is kept")
    func installs() throws {
        let installation = try Installation()
        defer { installation.remove() }
        let (status, output) = try installation.install()
        #expect(status == 0, "\(output)")
        let prefix = installation.prefix
        for path in [
            "bin/ferry", "share/bash-completion/completions/ferry", "share/zsh/site-functions/_ferry",
            "share/fish/vendor_completions.d/ferry.fish", "share/doc/ferry/operations.md", "share/doc/ferry/configuration.md",
            "share/ferry/examples/config.json", "share/ferry/examples/config.schema.json",
        ] {
            #expect(FileManager.default.fileExists(atPath: prefix.appendingPathComponent(path).path), "\(path)")
        }
        for unit in SystemdUnitTests.units {
            #expect(FileManager.default.fileExists(atPath: installation.units.appendingPathComponent(unit).path), "\(unit)")
        }
        let completion = try String(contentsOf: prefix.appendingPathComponent("share/bash-completion/completions/ferry"), encoding: .utf8)
        #expect(completion.contains("check-config") && completion.contains("watch"))
        #expect(try installation.command("ferry.service") == [prefix.path + "/bin/ferry", "watch", "--config", installation.tree.path + "/config.json"])
        let documentation = try SystemdUnitTests.values("ferry.service", "Unit", "Documentation", in: installation.units)
        #expect(documentation == ["file://\(prefix.path)/share/doc/ferry/operations.md"])
        let config = try String(contentsOf: installation.tree.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config == Installation.adminConfig)
        #expect(output.contains("kept \(installation.tree.path)/config.json"), "\(output)")
        // A second install (an upgrade) succeeds over the first.
        #expect(try installation.install().status == 0)
    }

    @Test("The installed units pass systemd-analyze verify, and security rates each service's exposure at most the limit",
          .enabled(if: analyze != nil, "systemd-analyze is not installed (scripts/install-deps --test installs it)"))
    func analyzeInstalled() throws {
        let installation = try Installation()
        defer { installation.remove() }
        #expect(try installation.install().status == 0)
        let paths = SystemdUnitTests.units.map { installation.units.appendingPathComponent($0).path }
        let verify = try runProcess(Self.analyze!, ["verify", "--man=no"] + paths, in: installation.units)
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(verify.output)")
        for unit in SystemdUnitTests.services {
            let security = try runProcess(Self.analyze!, ["security", "--offline=yes", "--no-pager", unit], in: installation.units)
            // "→ Overall exposure level for ferry.service: 1.6 OK"
            let line = security.output.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
            let figure = Double(line.split(separator: ":").last?.split(separator: " ").first ?? "")
            #expect(figure != nil, "\(security.output)")
            #expect(figure ?? .infinity <= Self.exposureLimit, "\(unit): \(line)")
        }
    }

    /// Runs `command` under `unit`'s restrictions as nobody (when the tests run as root; as the current user otherwise).
    static func sandboxed(
        _ installation: Installation, _ unit: String, _ command: [String], log: URL, environment: [String: String] = [:]
    ) throws -> Process {
        var user: [String] = []
        if getuid() == 0 {
            user = ["--uid", "65534", "--gid", "65534"]
            #expect(try runProcess("/bin/chown", ["-R", "65534:65534", installation.tree.path]).status == 0)
        }
        let arguments = [repository.appendingPathComponent("scripts/unit-sandbox").path, installation.units.appendingPathComponent(unit).path]
        // Under `scripts/asan`, LeakSanitizer's exit check stops the process's threads with ptrace, which the units'
        // seccomp filter refuses ("LeakSanitizer has encountered a fatal error"): leaks are checked everywhere else.
        // Ignored by a normal build.
        let sanitizer = ["ASAN_OPTIONS": "detect_leaks=0"]
        return try start(
            python!, arguments + user + ["--"] + command, log: log, in: installation.tree,
            environment: sanitizer.merging(environment) { $1 })
    }

    /// Starts `executable` with stdout and stderr into `log` (created empty) and only PATH and `environment` set.
    static func start(_ executable: String, _ arguments: [String], log: URL, in directory: URL? = nil, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { $1 }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    /// What the sandboxed commands wrote so far.
    static func text(_ log: URL) -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Waits without blocking a cooperative thread until `condition` holds (or 2 minutes, so a broken build fails
    /// rather than hangs; the figure is a cap, not an assertion about speed).
    static func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<6_000 {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    @Test("The installed units' command lines work under their seccomp filter, no capabilities and no new privileges",
          .enabled(if: analyze != nil && python != nil, "systemd-analyze or python3 is not installed"))
    func commandLinesRunSandboxed() async throws {
        let installation = try Installation()
        defer { installation.remove() }
        #expect(try installation.install().status == 0)
        let tree = installation.tree
        let log = installation.root.appendingPathComponent("ferry.log")
        try Data("<order><id>1</id></order>".utf8).write(to: tree.appendingPathComponent("inbox/in/a.xml"))

        // The sandbox is live: a page both writable and executable is refused under ferry.service's filter.
        let writableCode = try Self.sandboxed(
            installation, "ferry.service",
            [Self.python!, "-c", "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC)"], log: log)
        while writableCode.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(writableCode.terminationStatus != 0 && Self.text(log).contains("PermissionError"), "\(Self.text(log))")

        // ferry.service's ExecStartPre, then ferry-drain.service's `ferry run`.
        let check = try Self.sandboxed(installation, "ferry.service", try installation.command("ferry.service", "ExecStartPre"), log: log)
        while check.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(check.terminationStatus == 0, "\(Self.text(log))")
        let run = try Self.sandboxed(installation, "ferry-drain.service", try installation.command("ferry-drain.service"), log: log)
        while run.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(run.terminationStatus == 0, "\(Self.text(log))")
        #expect(FileManager.default.fileExists(atPath: tree.appendingPathComponent("outbox/out/a.xml").path))

        // ferry.service's `ferry watch`: inotify, the lock, the control socket, then a graceful stop.
        let watch = try Self.sandboxed(installation, "ferry.service", try installation.command("ferry.service"), log: log)
        defer { if watch.isRunning { watch.terminate() } }
        #expect(try await Self.eventually { Self.text(log).contains("msg=watching") }, "\(Self.text(log))")
        try Data("<order><id>2</id></order>".utf8).write(to: tree.appendingPathComponent("inbox/in/.b.xml.tmp"))
        try FileManager.default.moveItem(at: tree.appendingPathComponent("inbox/in/.b.xml.tmp"), to: tree.appendingPathComponent("inbox/in/b.xml"))
        #expect(try await Self.eventually { FileManager.default.fileExists(atPath: tree.appendingPathComponent("outbox/out/b.xml").path) })
        watch.terminate()
        while watch.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let text = Self.text(log)
        #expect(watch.terminationStatus == 0, "\(text)")
        #expect(!text.contains("level=error"), "\(text)")
    }

    @Test("ferry-download.service's command line downloads over libcurl from a local Magento sandbox under its restrictions",
          .enabled(if: analyze != nil && python != nil, "systemd-analyze or python3 is not installed"))
    func downloadRunsSandboxed() async throws {
        let installation = try Installation()
        defer { installation.remove() }
        #expect(try installation.install().status == 0)
        let tree = installation.tree
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("inbox/orders"), withIntermediateDirectories: true)
        // The Magento sandbox, unrestricted, on a free port it prints first (stdbuf: a line at a time into the file).
        let banner = installation.root.appendingPathComponent("sandbox.log")
        let sandbox = try Self.start("/usr/bin/stdbuf", ["-oL", ferryExecutable.path, "sandbox", "--port", "0", "--orders", "30"], log: banner)
        defer {
            sandbox.terminate()
            sandbox.waitUntilExit()
        }
        #expect(try await Self.eventually { Self.text(banner).contains("(token: ") }, "\(Self.text(banner))")
        let text = Self.text(banner)
        let url = try #require(text.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") })
        let token = try #require(text.components(separatedBy: "(token: ").last?.split(separator: ";").first)
        let config = tree.appendingPathComponent("download.json")
        try Data("""
            { "stateStore": "state/download.sqlite", "connections": { "magento": { "baseUrl": "\(url)", "tokenEnv": "MAGENTO_TOKEN" } },
              "stages": [ { "name": "download-orders", "task": "magento.download-orders", "settings": { "stages": ["pending"] },
                "outputs": { "out": "inbox/orders" } } ] }
            """.utf8).write(to: config)
        var command = try installation.command("ferry-download.service")
        command[command.count - 1] = config.path
        let log = installation.root.appendingPathComponent("download.log")
        let download = try Self.sandboxed(installation, "ferry-download.service", command, log: log, environment: ["MAGENTO_TOKEN": String(token)])
        while download.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(download.terminationStatus == 0, "\(Self.text(log))")
        #expect(Self.text(log).contains("orders.downloaded:30"), "\(Self.text(log))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tree.appendingPathComponent("inbox/orders").path).count == 1)
    }
}

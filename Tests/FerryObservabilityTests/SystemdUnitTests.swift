import FerryTestSupport
import Foundation
import Testing

/// The shipped units in contrib/systemd: what they must say, and `systemd-analyze verify` when it is installed.
@Suite("systemd units")
struct SystemdUnitTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("contrib/systemd")
    static let units = ["ferry.service", "ferry-drain.path", "ferry-drain.service", "ferry-download.timer", "ferry-download.service"]
    static let services = ["ferry.service", "ferry-drain.service", "ferry-download.service"]
    static let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `[Section] Key=value` lines (comments dropped); a key may repeat.
    static func directives(_ unit: String, in folder: URL = folder) throws -> [(section: String, key: String, value: String)] {
        var section = ""
        var result: [(String, String, String)] = []
        for raw in try String(contentsOf: folder.appendingPathComponent(unit), encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") { section = String(line.dropFirst().dropLast()); continue }
            guard let equals = line.firstIndex(of: "=") else { continue }
            result.append((section, String(line[..<equals]), String(line[line.index(after: equals)...])))
        }
        return result
    }

    static func values(_ unit: String, _ section: String, _ key: String, in folder: URL = folder) throws -> [String] {
        try directives(unit, in: folder).filter { $0.section == section && $0.key == key }.map(\.value)
    }

    @Test("ferry.service: notify with watchdog, reload by SIGHUP, restart on failure, hardened, the Magento credential")
    func daemon() throws {
        let unit = "ferry.service"
        for (key, value) in [
            ("Type", "notify"), ("NotifyAccess", "main"), ("Restart", "on-failure"), ("ExecReload", "/bin/kill -HUP $MAINPID"),
            ("ProtectSystem", "strict"), ("StateDirectory", "ferry"), ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"),
            ("RestartPreventExitStatus", "78"),
        ] {
            #expect(try Self.values(unit, "Service", key) == [value], "\(unit): \(key)")
        }
        #expect(try Self.values(unit, "Service", "WatchdogSec").count == 1)
        #expect(try Self.values(unit, "Service", "ExecStart").first?.hasSuffix("ferry watch --config /srv/ferry/config.json") == true)
        #expect(try Self.values(unit, "Service", "LoadCredential").contains { $0.hasPrefix("magento.json:") })
        let writable = try Self.values(unit, "Service", "ReadWritePaths").joined(separator: " ")
        for folder in ["inbox", "outbox", "archive", "failed"] { #expect(writable.contains("/srv/ferry/\(folder)")) }
    }

    @Test("ferry-drain.path watches every inbox of the default workflow; the service drains once, 75 is success")
    func drain() throws {
        let watched = Set(try Self.values("ferry-drain.path", "Path", "DirectoryNotEmpty"))
        let inboxes = ["magento-orders", "sage-success", "sage-failed", "sage-stock", "magento-order-updates", "magento-inventory"]
        #expect(watched == Set(inboxes.map { "/srv/ferry/inbox/\($0)" }))
        #expect(try Self.values("ferry-drain.path", "Path", "Unit") == ["ferry-drain.service"])
        #expect(try Self.values("ferry-drain.service", "Service", "Type") == ["oneshot"])
        #expect(try Self.values("ferry-drain.service", "Service", "ExecStart").first?.contains("ferry run") == true)
        #expect(try Self.values("ferry-drain.service", "Service", "SuccessExitStatus") == ["75"])
        let daemon = Set(try Self.values("ferry.service", "Service", "ReadWritePaths"))
        #expect(Set(try Self.values("ferry-drain.service", "Service", "ReadWritePaths")) == daemon)
    }

    @Test("ferry-download.timer runs `ferry download` every 5 minutes after the last one ended; 75 is success")
    func downloadTimer() throws {
        #expect(try Self.values("ferry-download.timer", "Timer", "Unit") == ["ferry-download.service"])
        #expect(try Self.values("ferry-download.timer", "Timer", "OnUnitInactiveSec") == ["5min"])
        #expect(try Self.values("ferry-download.timer", "Install", "WantedBy") == ["timers.target"])
        #expect(try Self.values("ferry-download.service", "Service", "Type") == ["oneshot"])
        #expect(try Self.values("ferry-download.service", "Service", "ExecStart") == ["/usr/local/bin/ferry download --config /srv/ferry/config.json"])
        #expect(try Self.values("ferry-download.service", "Service", "SuccessExitStatus") == ["75"])
        let daemon = Set(try Self.values("ferry.service", "Service", "ReadWritePaths"))
        #expect(Set(try Self.values("ferry-download.service", "Service", "ReadWritePaths")) == daemon)
    }

    @Test("Every service: system calls of a system service only, no writable code, other processes hidden, IPC removed", arguments: services)
    func hardened(unit: String) throws {
        for (key, value) in [
            ("SystemCallFilter", "@system-service"), ("SystemCallErrorNumber", "EPERM"), ("MemoryDenyWriteExecute", "yes"),
            ("ProtectProc", "invisible"), ("RemoveIPC", "yes"), ("NoNewPrivileges", "yes"), ("CapabilityBoundingSet", ""),
            ("ProtectSystem", "strict"), ("SystemCallArchitectures", "native"),
        ] {
            #expect(try Self.values(unit, "Service", key) == [value], "\(unit): \(key)")
        }
    }

    /// Copies the units with ExecStart's binary (absent on a test machine) replaced by /bin/true and runs
    /// `systemd-analyze verify`; the output must be empty.
    static func verify(_ rewrite: (String, String) -> String = { $1 }) throws -> (status: Int32, output: String) {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy) }
        for unit in units {
            let text = try String(contentsOf: folder.appendingPathComponent(unit), encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/ferry", with: "/bin/true")
            try Data(rewrite(unit, text).utf8).write(to: copy.appendingPathComponent(unit))
        }
        return try runProcess(analyze!, ["verify", "--man=no"] + units.map { copy.appendingPathComponent($0).path }, in: copy)
    }

    @Test("systemd-analyze verify passes with no warning", .enabled(if: analyze != nil, "systemd-analyze is not installed"))
    func analyzeVerify() throws {
        let (status, output) = try Self.verify()
        #expect(status == 0, "\(output)")
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(output)")
    }

    @Test("The verification is live: a misspelt directive is caught", .enabled(if: analyze != nil, "systemd-analyze is not installed"))
    func analyzeCatchesMistakes() throws {
        let (_, output) = try Self.verify { unit, text in
            unit == "ferry.service" ? text.replacingOccurrences(of: "NoNewPrivileges=yes", with: "NoNewPrivilege=yes") : text
        }
        #expect(output.contains("NoNewPrivilege"), "\(output)")
    }
}

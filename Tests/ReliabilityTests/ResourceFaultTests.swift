@testable import FerryPipeline
import FerryTestSupport
import Foundation
import Testing

/// Disk full, read-only archive, permission denied, watch limit, clock jump.
@Suite("Resource faults", .serialized)
struct ResourceFaultTests {
    static let fastRetry = "\"retry\": { \"initialSeconds\": 1, \"maxSeconds\": 2, \"maxAttempts\": 1000 },"

    /// A full outbox (a small tmpfs): nothing lost, a clear error, processing resumes when space returns.
    @Test func outboxDiskFullLosesNothingAndResumes() async throws {
        guard runningAsRoot else {
            print("skipped: mounting a small tmpfs needs root")
            return
        }
        let root = try FerryRoot()
        let mount = shell("mount -t tmpfs -o size=256k ferry-rel-full '\(root.outbox.path)'")
        guard mount.status == 0 else {
            print("skipped: cannot mount a tmpfs here: \(mount.output)")
            return
        }
        defer { shell("umount -l '\(root.outbox.path)'") }
        // Fill it to the last block.
        shell("dd if=/dev/zero of='\(root.outbox.path)/.filler' bs=4k count=1000")
        try root.writeConfig(extra: Self.fastRetry)
        let child = try root.start(["watch"])
        try await child.waitUntilWatching()
        var inputs = Set<String>()
        for i in 0..<5 {
            let name = "full-\(i).xml"
            try root.deliver(name, FerryRoot.order(i) + String(repeating: "<!-- padding -->", count: 200))
            inputs.insert(name)
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !child.log.contains("No space left") { try await Task.sleep(for: .milliseconds(100)) }
        #expect(child.log.contains("No space left"), "a clear error: \(child.log.suffix(3000)); df: \(shell("df -h '\(root.outbox.path)'; ls -la '\(root.outbox.path)'").output)")
        try await Task.sleep(for: .seconds(2))
        #expect(root.quarantined().isEmpty, "a full disk is not the file's fault: nothing quarantined")
        #expect(root.archived().isEmpty, "nothing archived without its output")
        #expect(root.files(in: root.outbox).isEmpty)
        #expect(root.temporaries.isEmpty, "no partial output visible: \(root.temporaries)")
        // Space returns.
        try FileManager.default.removeItem(at: root.outbox.appendingPathComponent(".filler"))
        try await waitUntil("processing resumes", timeout: .seconds(60)) { root.placedCount >= inputs.count }
        #expect(try await child.stop() == 0)
        root.checkInvariants(inputs: inputs)
        Figures.record("faults.diskfull", 1)
    }

    /// A read-only archive: outputs are published once, the input waits in the work area, and is archived when
    /// the archive is writable again; never processed twice.
    @Test func readOnlyArchiveNeverDuplicatesOutputs() async throws {
        let root = try FerryRoot()
        let archive = root.url.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        var undo: () -> Void
        if runningAsRoot {
            // Root ignores permission bits: a read-only bind mount is the honest fault.
            guard shell("mount --bind '\(archive.path)' '\(archive.path)' && mount -o remount,ro,bind '\(archive.path)'").status == 0 else {
                print("skipped: cannot make a read-only bind mount here")
                return
            }
            undo = { shell("umount -l '\(archive.path)'") }
        } else {
            chmod(archive.path, 0o555)
            undo = { chmod(archive.path, 0o755) }
        }
        var undone = false
        defer { if !undone { undo() } }
        try root.writeConfig(extra: Self.fastRetry)
        let child = try root.start(["watch"])
        try await child.waitUntilWatching()
        let inputs: Set<String> = ["ro-1.xml", "ro-2.xml", "ro-3.xml"]
        for name in inputs.sorted() { try root.deliver(name, FerryRoot.order(1)) }
        try await waitUntil("the archive error is logged") { child.log.contains("Read-only") || child.log.contains("EROFS") || child.log.contains("Permission denied") || child.log.contains("EACCES") }
        // Let several retries pass while the archive stays read-only.
        try await Task.sleep(for: .seconds(4))
        #expect(root.quarantined().isEmpty)
        undo()
        undone = true
        try await waitUntil("archived once writable", timeout: .seconds(60)) { root.placedCount >= inputs.count && root.entries(in: root.work).isEmpty }
        #expect(try await child.stop() == 0)
        root.checkInvariants(inputs: inputs)
        Figures.record("faults.readonly", 1)
    }

    /// An inbox ferry may not read: a clear warning, the daemon stays up, the other inbox flows, and the files
    /// are taken once the permission returns.
    @Test func permissionDeniedOnAnInbox() async throws {
        let root = try FerryRoot()
        let other = root.url.appendingPathComponent("inbox/other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.url.appendingPathComponent("outbox/other"), withIntermediateDirectories: true)
        let second = FerryRoot.xsltStage.replacingOccurrences(of: "\"map\"", with: "\"other\"").replacingOccurrences(of: "inbox/in", with: "inbox/other").replacingOccurrences(of: "outbox/out", with: "outbox/other")
        try root.writeConfig(stages: [FerryRoot.xsltStage, second], extra: Self.fastRetry, rescan: 1)
        try root.deliver("locked.xml", FerryRoot.order(1))
        var deny: () -> Void
        var allow: () -> Void
        if runningAsRoot {
            // Root passes permission bits; an immutable folder refuses the claim's rename even to root.
            guard shell("command -v chattr && chattr +i '\(root.inbox.path)'").status == 0 else {
                print("skipped: chattr +i is not available on this filesystem")
                return
            }
            deny = {}
            allow = { shell("chattr -i '\(root.inbox.path)'") }
        } else {
            chmod(root.inbox.path, 0)
            deny = {}
            allow = { chmod(root.inbox.path, 0o755) }
        }
        deny()
        var allowed = false
        defer { if !allowed { allow() } }
        let child = try root.start(["watch"])
        try await child.waitUntilWatching()
        try root.deliver("free.xml", FerryRoot.order(2), into: other)
        try await waitUntil("the other inbox flows") { root.archived(stage: "other").contains("free.xml") }
        try await Task.sleep(for: .seconds(2))
        #expect(child.isRunning)
        #expect(root.archived().isEmpty && root.quarantined().isEmpty)
        let log = child.log
        #expect(log.contains("Operation not permitted") || log.contains("Permission denied") || log.contains("EPERM") || log.contains("EACCES"),
                "a clear error: \(log.suffix(1500))")
        allow()
        allowed = true
        try await waitUntil("taken once allowed", timeout: .seconds(60)) { root.archived().contains("locked.xml") }
        #expect(try await child.stop() == 0)
        root.checkInvariants(inputs: ["locked.xml"])
    }

    /// inotify watch limit exhausted (a user namespace whose max_inotify_watches is 0): the folder is polled,
    /// with a warning, and files still flow.
    @Test func watchLimitExhaustedFallsBackToPolling() async throws {
        guard shell("command -v unshare").status == 0,
              shell("unshare --user --map-root-user sh -c 'echo 0 > /proc/sys/user/max_inotify_watches'").status == 0
        else {
            print("skipped: cannot lower max_inotify_watches in a user namespace here")
            return
        }
        let root = try FerryRoot()
        try root.writeConfig()
        let log = root.url.appendingPathComponent("logs/limited.log")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["unshare", "--user", "--map-root-user", "sh", "-c",
                           "echo 0 > /proc/sys/user/max_inotify_watches && exec '\(ferryExecutable.path)' watch --config '\(root.config.path)' 2>'\(log.path)'"]
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        try await waitUntil("ferry watch ready") { ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("msg=watching") || !child.isRunning }
        try root.deliver("polled.xml", FerryRoot.order(1))
        try await waitUntil("processed by polling", timeout: .seconds(60)) { root.placedCount >= 1 }
        kill(child.processIdentifier, SIGTERM)
        try await waitUntil("stopped", timeout: .seconds(60)) { !child.isRunning }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(text.contains("polling instead"), "a loud warning: \(text.prefix(1000))")
        #expect(text.contains("warning"))
        root.checkInvariants(inputs: ["polled.xml"])
        Figures.record("faults.watchlimit", 1)
    }

    /// The dated archive across midnight (a seam: the archive day comes from the commit's clock reading, which
    /// the journal records, so a file committed before midnight and archived after a crash stays in its day).
    @Test func clockJumpAcrossMidnightKeepsArchiveDaysConsistent() throws {
        let settings = EngineSettings(
            settle: .milliseconds(100), retry: .files, archiveRoot: URL(fileURLWithPath: "/a"),
            failedFolder: URL(fileURLWithPath: "/f"), drainAttempts: nil)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let before = try #require(calendar.date(from: DateComponents(year: 2026, month: 3, day: 28, hour: 23, minute: 59, second: 59)))
        let after = before.addingTimeInterval(2)
        let back = before.addingTimeInterval(-86_400)
        #expect(settings.archiveFolderPath(for: "map", at: before) == "/a/2026-03-28/map")
        #expect(settings.archiveFolderPath(for: "map", at: after) == "/a/2026-03-29/map")
        // A jump backwards files into the earlier day: never an error, never a lost file.
        #expect(settings.archiveFolderPath(for: "map", at: back) == "/a/2026-03-27/map")
        // The formatter is POSIX and Gregorian whatever the locale: no Buddhist or Japanese years.
        #expect(settings.archiveFolderPath(for: "map", at: Date(timeIntervalSince1970: 0)).hasPrefix("/a/19"))
    }
}

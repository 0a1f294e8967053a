import FerryPipeline
import FerryTestSupport
import Foundation
import Logging
import Testing

/// archive.zipAfterDays, archive.retentionDays and failed.retentionDays: real folders and files with real dates,
/// the clean-up a drain runs, and what `ferry status` says of them before and after.
@Suite("housekeeping")
struct HousekeepingTests {
    static let day: TimeInterval = 86_400

    /// The local date `days` ago, as the archive names its folders.
    static func dayName(_ days: Int, from now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: now.addingTimeInterval(-Double(days) * day))
    }

    /// `archive/<day>/probe/<name>` holding `text`.
    static func archived(_ root: URL, daysAgo: Int, name: String, text: String) throws {
        let folder = root.appendingPathComponent("archive/\(dayName(daysAgo))/probe")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    /// `failed/probe/<name>` and its reason file, both dated `daysAgo`.
    static func quarantined(_ root: URL, daysAgo: Double, name: String) throws {
        let folder = root.appendingPathComponent("failed/probe")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let date = Date().addingTimeInterval(-daysAgo * day)
        for file in [name, name + ".error.txt"] {
            let url = folder.appendingPathComponent(file)
            try Data("reason: line 1: bad\n".utf8).write(to: url)
            try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: url.path)
        }
    }

    static let settings = #""archive": { "folder": "archive", "zipAfterDays": 7, "retentionDays": 30 }, "failed": { "retentionDays": 14 },"#

    @Test("Old days are zipped atomically, older ones deleted, old quarantined files go with their reasons; status says so")
    func cleanUp() async throws {
        try await withTemporaryDirectory { root in
            let config = try loadConfig(root: root, extra: Self.settings)
            try Self.archived(root, daysAgo: 2, name: "recent.xml", text: "<recent/>")
            try Self.archived(root, daysAgo: 8, name: "a.xml", text: "<a>8 days</a>")
            try Self.archived(root, daysAgo: 9, name: "b.xml", text: "<b>9 days</b>")
            try Self.archived(root, daysAgo: 31, name: "old.xml", text: "<old/>")
            try Self.quarantined(root, daysAgo: 15, name: "stale.xml")
            try Self.quarantined(root, daysAgo: 1, name: "fresh.xml")
            let capture = LogCapture()
            let pipeline = try Pipeline(config: config, registry: TaskRegistry([ProbeTask.kind]), logger: capture.logger)

            let before = try StatusReport(pipeline: pipeline)
            #expect(before.archive.days == 4 && before.archive.zippedDays == 0)
            #expect(before.archive.oldest == Self.dayName(31))
            #expect(before.archive.nextZip == [Self.dayName(9), Self.dayName(8)])
            #expect(before.archive.nextRemove == [Self.dayName(31)])
            #expect(before.failed.files == 2)
            #expect(before.failed.nextRemove == [root.appendingPathComponent("failed/probe/stale.xml").path])
            #expect(before.text.contains("next clean-up: zips \(Self.dayName(9)), \(Self.dayName(8)); deletes \(Self.dayName(31))"), "\(before.text)")
            #expect(before.text.contains("deletes 1: probe/stale.xml"), "\(before.text)")

            _ = await pipeline.drain()

            let archive = root.appendingPathComponent("archive")
            let names = Set(try FileManager.default.contentsOfDirectory(atPath: archive.path))
            #expect(names == [Self.dayName(2), Self.dayName(8) + ".zip", Self.dayName(9) + ".zip"], "\(names)")
            // The zip holds the day as it was, and nothing temporary is left.
            let unzipped = root.appendingPathComponent("unzipped")
            try FileManager.default.createDirectory(at: unzipped, withIntermediateDirectories: true)
            let unzip = Process()
            unzip.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            unzip.arguments = ["-m", "zipfile", "-e", archive.appendingPathComponent(Self.dayName(8) + ".zip").path, unzipped.path]
            try unzip.run()
            unzip.waitUntilExit()
            #expect(unzip.terminationStatus == 0)
            #expect(try String(contentsOf: unzipped.appendingPathComponent("\(Self.dayName(8))/probe/a.xml"), encoding: .utf8) == "<a>8 days</a>")

            let failed = Set(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("failed/probe").path))
            #expect(failed == ["fresh.xml", "fresh.xml.error.txt"])
            #expect(capture.text.contains("archive day zipped"))
            #expect(capture.text.contains("archive day removed by retention") && capture.text.contains(Self.dayName(31)))
            #expect(capture.text.contains("quarantined file removed by retention") && capture.text.contains("stale.xml"), "\(capture.text)")

            // A file of a zipped day is replayed by its old path, from the zip.
            let placed = try pipeline.retry(archive.appendingPathComponent("\(Self.dayName(9))/probe/b.xml"))
            #expect(try String(contentsOf: placed, encoding: .utf8) == "<b>9 days</b>")
            #expect(throws: PipelineError.self) { try pipeline.retry(archive.appendingPathComponent("\(Self.dayName(9))/probe/none.xml")) }
            try FileManager.default.removeItem(at: placed)

            let after = try StatusReport(pipeline: pipeline)
            #expect(after.archive.days == 1 && after.archive.zippedDays == 2 && after.archive.oldest == Self.dayName(9))
            #expect(after.archive.nextZip.isEmpty && after.archive.nextRemove.isEmpty && after.failed.nextRemove.isEmpty)
            #expect(after.text.contains("3 days (2 zipped), oldest \(Self.dayName(9))"), "\(after.text)")
            // The JSON carries the same, for scripts.
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(after)) as? [String: Any]
            let archiveJSON = json?["archive"] as? [String: Any]
            #expect(archiveJSON?["zippedDays"] as? Int == 2)
            #expect((json?["failed"] as? [String: Any])?["files"] as? Int == 1)
        }
    }

    @Test("A crash after the zip was renamed in: the next clean-up only removes the folder; a stale temporary is removed")
    func crashBetweenZipAndRemoval() async throws {
        try await withTemporaryDirectory { root in
            let config = try loadConfig(root: root, extra: Self.settings)
            try Self.archived(root, daysAgo: 10, name: "a.xml", text: "<a/>")
            let archive = root.appendingPathComponent("archive")
            // What a crash leaves: the day's complete zip beside its folder, and an unfinished temporary.
            let zip = archive.appendingPathComponent(Self.dayName(10) + ".zip")
            try Data("the complete zip".utf8).write(to: zip)
            try Data("half".utf8).write(to: archive.appendingPathComponent(".ferry-\(Self.dayName(12)).zip.tmp"))
            let pipeline = try Pipeline(config: config, registry: TaskRegistry([ProbeTask.kind]), logger: LogCapture().logger)
            _ = await pipeline.drain()
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: archive.path)) == [Self.dayName(10) + ".zip"])
            #expect(try String(contentsOf: zip, encoding: .utf8) == "the complete zip")
        }
    }

    @Test("Without the settings nothing is zipped or deleted, and status says everything is kept")
    func off() async throws {
        try await withTemporaryDirectory { root in
            let config = try loadConfig(root: root, extra: "")
            try Self.archived(root, daysAgo: 400, name: "a.xml", text: "<a/>")
            try Self.quarantined(root, daysAgo: 400, name: "bad.xml")
            let pipeline = try Pipeline(config: config, registry: TaskRegistry([ProbeTask.kind]), logger: LogCapture().logger)
            _ = await pipeline.drain()
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("archive/\(Self.dayName(400))/probe/a.xml").path))
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("failed/probe/bad.xml").path))
            let text = try StatusReport(pipeline: pipeline).text
            #expect(text.contains("kept for ever") && text.contains("kept until retried"), "\(text)")
        }
    }

    @Test("zipAfterDays not below retentionDays is a warning naming both keys")
    func zipAfterRetentionWarns() async throws {
        try await withTemporaryDirectory { root in
            try FileManager.default.createDirectory(at: root.appendingPathComponent("inbox/in"), withIntermediateDirectories: true)
            let url = root.appendingPathComponent("config.json")
            try Data(#"{ "archive": { "zipAfterDays": 30, "retentionDays": 30 }, "stages": [ { "name": "probe", "watch": "inbox/in", "task": "probe", "outputs": {} } ] }"#.utf8).write(to: url)
            let (_, problems) = try ConfigLoader.load(file: url, registry: TaskRegistry([ProbeTask.kind]))
            #expect(problems.contains { $0.isWarning && $0.path == "archive.zipAfterDays" && $0.message.contains("retentionDays") }, "\(problems)")
        }
    }
}

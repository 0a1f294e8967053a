import DurableFiles
@testable import FerryPipeline
import FerryXML
import Foundation
import Synchronization
import Testing

/// Unit checks for the fixes the corpus and fuzzing led to (each also covered end to end).
@Suite("Fixes found by the reliability work")
struct FixTests {
    /// A 255-byte delivered name leaves room for the temporary, the `.error.txt` and collision variants.
    @Test(arguments: [String(repeating: "n", count: 251) + ".xml", String(repeating: "é", count: 127) + "x", "short.xml"])
    func namesAreFittedUnder255Bytes(name: String) {
        for reserve in [0, 4, 14, 40] {
            let fitted = Durable.fitting(name, reserve: reserve)
            #expect(fitted.utf8.count + reserve <= 255)
            if name.utf8.count + reserve <= 255 { #expect(fitted == name) }
            if name.hasSuffix(".xml") { #expect(fitted.hasSuffix(".xml")) }
        }
        for variant in Durable.candidateNames(name).prefix(12) { #expect(variant.utf8.count <= 255) }
    }

    /// A shortened name ends with `~`, 8 base-36 characters of FNV-1a over the whole name, and its extension: the
    /// same name after a restart, so recovery finds what it published. Expected value computed outside Swift.
    @Test func aShortenedNameKeepsItsHashTag() {
        let name = String(repeating: "x", count: 296) + ".xml"
        #expect(Durable.fitting(name, reserve: 0) == String(repeating: "x", count: 242) + "~mrfmbny2.xml")
    }

    /// Group commit's archive step: a batch placed with one fsync per folder lands each file once, takes the
    /// next free name beside an existing file, and a repeat after an interruption (links made, sources not yet
    /// removed) only finishes the job.
    @Test func placeAllPlacesABatchOnceAndFinishesAnInterruptedOne() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-place-\(UUID().uuidString)")
        let work = root.appendingPathComponent("work")
        let archive = root.appendingPathComponent("archive/day/map")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for n in 0..<3 { try Data("file \(n)".utf8).write(to: work.appendingPathComponent("run-\(n)")) }
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        try Data("already there".utf8).write(to: archive.appendingPathComponent("b.xml"))
        // The interrupted attempt: run-0 was linked into place, its source never unlinked.
        #expect(link(work.appendingPathComponent("run-0").path, archive.appendingPathComponent("a.xml").path) == 0)
        let placements = [("run-0", "a.xml"), ("run-1", "b.xml"), ("run-2", "c.xml")].map {
            Durable.Placement(source: work.appendingPathComponent($0.0), folder: archive, preferredName: $0.1)
        }
        let placed = try Durable.placeAll(placements)
        #expect(placed == ["a.xml", "b-1.xml", "c.xml"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: archive.path)) == ["a.xml", "b.xml", "b-1.xml", "c.xml"])
        #expect(try String(contentsOf: archive.appendingPathComponent("b-1.xml"), encoding: .utf8) == "file 1")
        #expect(try String(contentsOf: archive.appendingPathComponent("b.xml"), encoding: .utf8) == "already there")
    }

    /// A wait that ends early leaves no notification behind: the cancelled timer of the first wait used to
    /// notify anyway, so every later wait returned at once and cancelled its own timer, which notified again
    /// (a stage waiting for a retry spun a core). Here a second wait must still be waiting after the first's
    /// timer was cancelled; on a slow machine the check can only pass wrongly, never fail wrongly.
    @Test func anEarlyWakeUpLeavesNoNotificationBehind() async throws {
        let signal = Signal()
        signal.notify()
        await signal.wait(for: .seconds(60))
        try await Task.sleep(for: .milliseconds(200))  // the cancelled timer has run by now
        let returned = Mutex(false)
        let waiter = Task {
            await signal.wait(for: .seconds(60))
            returned.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(returned.withLock { $0 } == false, "a wait returned at once: a notification was left pending")
        signal.notify()
        await waiter.value
        #expect(returned.withLock { $0 })
    }

    /// A full disk while writing an output is a write error (retried), never a bad input (quarantined), and the
    /// last buffered bytes are checked before the file is closed: /dev/full fails every write with ENOSPC.
    @Test func writesToAFullDiskThrowWriteErrors() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let writer = try XMLStreamWriter(url: URL(fileURLWithPath: "/dev/full"))
        try writer.startElement("Company")
        try writer.element("Name", "small enough to stay in libxml2's buffer until the end")
        try writer.endElement()
        #expect(throws: XMLWriteError.self) { try writer.finish() }
        #expect(FailureClass(XMLWriteError(file: "/x", message: "m", errno: ENOSPC)) == .transient)
        #expect(FailureClass(XMLError(file: "/x", message: "m")) == .badInput)
    }

    /// A number beyond Int's range in config.json is reported, not a crash (found by the config fuzzer).
    @Test(arguments: ["3000000000000000000000000000000000000000", "1e300", "-1e300", "9223372036854775808"])
    func hugeConfigNumbersAreProblemsNotCrashes(number: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-fix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("config.json")
        try Data(#"{ "rescanSeconds": \#(number), "stages": [] }"#.utf8).write(to: file)
        #expect {
            _ = try ConfigLoader.load(file: file, registry: TaskRegistry([]), checkFolders: false)
        } throws: { error in
            "\(error)".contains("rescanSeconds") && "\(error)".contains("out of range")
        }
    }
}

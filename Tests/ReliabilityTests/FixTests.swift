@testable import FerryPipeline
import FerryXML
import Foundation
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

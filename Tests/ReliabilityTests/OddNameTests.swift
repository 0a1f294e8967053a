import FerryTestSupport
import Foundation
import Testing

/// Issue 13.4: names are bytes. A name that is not UTF-8 is taken under its escaped form; a leading dash and a
/// newline go through as they are; `ferry status` (text and JSON) shows them escaped.
@Suite("names that are not plain", .serialized)
struct OddNameTests {
    /// Writes `text` under a hidden name, then renames it to `name` (raw bytes) in `folder`.
    static func deliver(bytes name: [UInt8], _ text: String, into folder: URL) throws {
        let hidden = folder.appendingPathComponent(".gen-\(UUID().uuidString)")
        try Data(text.utf8).write(to: hidden)
        try IssueThirteen.rename(hidden, toBytes: name, in: folder)
    }

    @Test func namesThatAreNotUTF8OrHoldADashOrANewlineAreTakenAndShownEscaped() async throws {
        let root = try FerryRoot()
        try root.writeConfig()
        let daemon = try root.start(["watch"])
        try await daemon.waitUntilWatching()

        // Delivered while watching: inotify reports a name it cannot decode, which must lead to a listing.
        try Self.deliver(bytes: Array("bad-".utf8) + [0xFF, 0xFE] + Array(".xml".utf8), FerryRoot.order(1), into: root.inbox)
        try Self.deliver(bytes: Array("broken-".utf8) + [0xC3] + Array(".xml".utf8), "<ArrayOfOrderInfo><OrderInfo>", into: root.inbox)
        try root.deliver("-leading-dash.xml", FerryRoot.order(2))
        try root.deliver("new\nline.xml", FerryRoot.order(3))
        try root.deliver("bad\nnewline.xml", "<ArrayOfOrderInfo>")

        let processed: Set<String> = ["bad-\\xFF\\xFE.xml", "-leading-dash.xml", "new\nline.xml"]
        let failed: Set<String> = ["broken-\\xC3.xml", "bad\nnewline.xml"]
        try await waitUntil("all five placed", timeout: .seconds(60)) { root.placedCount >= 5 }
        #expect(Set(root.archived()) == processed)
        #expect(Set(root.quarantined()) == failed)
        #expect(Set(root.files(in: root.outbox)) == processed)
        #expect(root.files(in: root.inbox).isEmpty, "nothing left invisible in the inbox")
        #expect(daemon.log.contains("not UTF-8"), "the rename is logged")

        let status = try await root.run(["status"])
        #expect(status.status == 2, "status exits 2 while files wait in failed/")
        #expect(status.output.contains("broken-\\xC3.xml: "), "\(status.output)")
        #expect(status.output.contains("bad\\nnewline.xml: "), "a newline is shown as \\n: \(status.output)")
        #expect(!status.output.contains("bad\nnewline"), "no raw newline splits a status line")
        let json = try await root.run(["status", "--json"])
        let decoded = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(decoded != nil, "status --json stays valid JSON: \(json.output.prefix(500))")
        #expect(json.output.contains("bad\\nnewline.xml"), "the JSON escapes the newline")

        #expect(try await daemon.stop() == 0)
        root.checkInvariants(inputs: processed.union(failed), expectFailed: failed)
    }

    /// A name that is not UTF-8, present before `ferry run`: the start-up listing takes it.
    @Test func aNameThatIsNotUTF8IsTakenByARun() async throws {
        let root = try FerryRoot()
        try root.writeConfig()
        try Self.deliver(bytes: [0x80, 0x81] + Array(".xml".utf8), FerryRoot.order(1), into: root.inbox)
        let run = try await root.run(["run"])
        #expect(run.status == 0, "\(run.log)")
        #expect(run.output.contains("processed 1,"), "\(run.output)")
        root.checkInvariants(inputs: ["\\x80\\x81.xml"])
    }
}

import FerryTestSupport
import Foundation
import Testing

/// Issue 13.5: a file written in place in chunks, its descriptor held open, pauses longer than the settle time
/// between chunks. It must be taken once complete, never quarantined half-written; a document that really ends
/// early is reported as truncated.
@Suite("slow in-place writers", .serialized)
struct SlowWriterTests {
    @Test func aFileWrittenInPlaceInChunksIsTakenWhenComplete() async throws {
        let root = try FerryRoot()
        try root.writeConfig(settle: 100)
        let daemon = try root.start(["watch"])
        try await daemon.waitUntilWatching()

        // 20 chunks, each after a pause longer than the 100 ms settle time (500 ms, 10 s in all, with FERRY_LONG),
        // from a shell that holds the file open from the first byte to the last.
        let chunks = 20
        let pause = longRun ? "0.5" : "0.25"
        let path = root.inbox.appendingPathComponent("slow.xml").path
        let script = Self.chunkedWriter(opening: path, chunks: chunks, pause: pause)
        let writer = await shellAsync(script)
        #expect(writer.status == 0, "\(writer.output)")
        try await waitUntil("slow.xml placed", timeout: .seconds(60)) { root.placedCount >= 1 }
        #expect(try await daemon.stop() == 0)
        #expect(root.quarantined().isEmpty, "never quarantined half-written: \(daemon.log.suffix(1500))")
        root.checkInvariants(inputs: ["slow.xml"])
        let output = try String(contentsOf: root.outbox.appendingPathComponent("slow.xml"), encoding: .utf8)
        #expect(output.components(separatedBy: "<order_id>").count - 1 == chunks, "every chunk's order in the output")
    }

    /// A file renamed into the inbox is complete by convention and taken at once, without a lease; a writer that
    /// renames its file in and then writes on breaks the convention, and is caught by the parse failure: the file
    /// is still open for writing, so it is read again after the settle time, never quarantined half-written.
    @Test func aFileRenamedInWhileItsWriterWritesOnIsReadAgainWhenComplete() async throws {
        let root = try FerryRoot()
        try root.writeConfig(settle: 100)
        let daemon = try root.start(["watch"])
        try await daemon.waitUntilWatching()

        let chunks = 8
        let hidden = root.inbox.appendingPathComponent(".renamed.part").path
        let path = root.inbox.appendingPathComponent("renamed.xml").path
        let script = Self.chunkedWriter(opening: hidden, renamingTo: path, chunks: chunks, pause: "0.25")
        let writer = await shellAsync(script)
        #expect(writer.status == 0, "\(writer.output)")
        try await waitUntil("renamed.xml placed", timeout: .seconds(60)) { root.placedCount >= 1 }
        #expect(try await daemon.stop() == 0)
        #expect(root.quarantined().isEmpty, "never quarantined half-written: \(daemon.log.suffix(1500))")
        root.checkInvariants(inputs: ["renamed.xml"])
        let output = try String(contentsOf: root.outbox.appendingPathComponent("renamed.xml"), encoding: .utf8)
        #expect(output.components(separatedBy: "<order_id>").count - 1 == chunks, "every chunk's order in the output")
    }

    @Test func aDocumentThatEndsEarlyIsReportedTruncated() async throws {
        let root = try FerryRoot()
        try root.writeConfig()
        try root.deliver("cut.xml", "<?xml version=\"1.0\"?>\n<ArrayOfOrderInfo>\n<OrderInfo><order_id>1</order_id></OrderInfo>\n<OrderInfo><order_")
        let run = try await root.run(["run"])
        #expect(run.status == 0, "\(run.log)")
        #expect(root.quarantined() == ["cut.xml"])
        let reason = try String(contentsOf: root.failed.appendingPathComponent("map/cut.xml.error.txt"), encoding: .utf8)
        #expect(reason.contains("truncated: the document ends at line 4 before </ArrayOfOrderInfo> closes"), "\(reason)")
    }

    /// A shell script that holds `file` open from its first byte to its last and writes `chunks` orders, each
    /// after `pause` seconds; with `renamingTo`, it renames the file there after the first line and writes on.
    static func chunkedWriter(opening file: String, renamingTo target: String? = nil, chunks: Int, pause: String) -> String {
        """
        exec 3>'\(file)'
        printf '<ArrayOfOrderInfo>\\n' >&3
        \(target.map { "mv '\(file)' '\($0)'" } ?? ":")
        i=0
        while [ $i -lt \(chunks) ]; do
          sleep \(pause)
          printf '<OrderInfo><order_id>%d</order_id></OrderInfo>\\n' $i >&3
          i=$((i+1))
        done
        printf '</ArrayOfOrderInfo>\\n' >&3
        exec 3>&-
        """
    }
}

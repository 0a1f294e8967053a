import FerryPipeline
import FerryStages
import FerryTestSupport
import Foundation
import Testing

/// Bad input is moved aside with a reason; nothing else stops.
@Suite(.serialized) struct QuarantineTests {
    static let hostile: [String: String] = [
        "malformed.xml": "<ArrayOfOrderInfo><OrderInfo>\n<order_id>1</order_id>\n</ArrayOfOrderInfo>",
        "xxe.xml": """
            <?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <ArrayOfOrderInfo><OrderInfo><order_id>&x;</order_id></OrderInfo></ArrayOfOrderInfo>
            """,
        "laughs.xml": """
            <?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
            <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
            <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
            <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
            <ArrayOfOrderInfo><OrderInfo><order_id>&h;</order_id></OrderInfo></ArrayOfOrderInfo>
            """,
        "empty.xml": "",
    ]

    @Test func hostileFilesAreQuarantinedWithReasonsWhileAGoodOneIsProcessed() async throws {
        let h = try Harness()
        _ = try h.writeConfig()
        try await h.startWatching()
        for (name, text) in Self.hostile { try h.deliver(name, text) }
        try h.deliver("good.xml", Harness.order(9))
        let failed = h.root.appendingPathComponent("failed/map")
        try await waitUntil("quarantine and output") {
            h.files(in: failed).filter { !$0.hasSuffix(".error.txt") }.count == 4 && h.files(in: h.outbox).count == 1
        }
        await h.stop()
        #expect(h.files(in: h.outbox) == ["good.xml"])
        for name in Self.hostile.keys {
            let reason = try String(contentsOf: failed.appendingPathComponent(name + ".error.txt"), encoding: .utf8)
            #expect(reason.contains("reason:"))
            #expect(reason.contains("ferry retry"))
            #expect(!reason.contains(".ferry-work"), "the reason names the file as delivered")
            #expect(!reason.contains("root:x:0"))
        }
        let malformed = try String(contentsOf: failed.appendingPathComponent("malformed.xml.error.txt"), encoding: .utf8)
        #expect(malformed.contains("inbox/in/malformed.xml:3:"), "line and column of the XML error")
        #expect(try String(contentsOf: failed.appendingPathComponent("empty.xml.error.txt"), encoding: .utf8).contains("empty"))
        #expect(try String(contentsOf: failed.appendingPathComponent("xxe.xml.error.txt"), encoding: .utf8).contains("external"))
    }

    @Test func retryPutsAFixedFileBack() async throws {
        let h = try Harness()
        let config = try h.writeConfig()
        try h.deliver("fixme.xml", "<ArrayOfOrderInfo>")
        let pipeline = try h.load(config)
        var report = await pipeline.drain()
        #expect(report.quarantined == 1)
        let failed = h.root.appendingPathComponent("failed/map/fixme.xml")
        try Data(Harness.order(1).utf8).write(to: failed)
        let placed = try pipeline.retry(failed)
        #expect(placed.path == h.inbox.appendingPathComponent("fixme.xml").path)
        #expect(!FileManager.default.fileExists(atPath: failed.path + ".error.txt"))
        report = await try h.load(config).drain()
        #expect(report.processed == 1)
        #expect(h.files(in: h.outbox) == ["fixme.xml"])
    }

    @Test func symlinksFifosAndFoldersAreNeverFollowedOrRead() async throws {
        let h = try Harness()
        let config = try h.writeConfig()
        try FileManager.default.createSymbolicLink(atPath: h.inbox.appendingPathComponent("link.xml").path, withDestinationPath: "/etc/passwd")
        #expect(mkfifo(h.inbox.appendingPathComponent("pipe.xml").path, 0o644) == 0)
        try FileManager.default.createDirectory(at: h.inbox.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try h.deliver("good.xml", Harness.order(1))
        let report = await try h.load(config).drain()
        #expect(report.processed == 1)
        #expect(report.quarantined == 3)
        #expect(try String(contentsOf: h.root.appendingPathComponent("failed/map/sub.error.txt"), encoding: .utf8).contains("a folder"))
        let failed = h.root.appendingPathComponent("failed/map")
        #expect(try String(contentsOf: failed.appendingPathComponent("link.xml.error.txt"), encoding: .utf8).contains("symbolic link"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: failed.appendingPathComponent("link.xml").path) == "/etc/passwd")
        #expect(try String(contentsOf: failed.appendingPathComponent("pipe.xml.error.txt"), encoding: .utf8).contains("FIFO"))
    }

    @Test func sameNamedInputsNeverOverwriteEachOther() async throws {
        let h = try Harness()
        let config = try h.writeConfig()
        for id in 1...3 {
            try h.deliver("zynk_orders_success.xml", Harness.order(id))
            _ = await try h.load(config).drain()
        }
        #expect(h.files(in: h.outbox) == ["zynk_orders_success-1.xml", "zynk_orders_success-2.xml", "zynk_orders_success.xml"])
        #expect(h.archived() == ["zynk_orders_success-1.xml", "zynk_orders_success-2.xml", "zynk_orders_success.xml"])
    }
}

import Foundation
import Testing

/// Issue 13.3: a delivered name up to 255 bytes (ASCII or multi-byte) goes through the whole pipeline; every name
/// ferry derives from it (output, temporary, archive, failed, `.error.txt`) fits NAME_MAX.
@Suite("long names", .serialized)
struct LongNameTests {
    /// The two stages: the Magento order mapping (its outputs add `-sage-orders.xml`) and the xslt map.
    static let stages = [
        FerryRoot.xsltStage,
        """
        { "name": "orders", "watch": "inbox/orders", "task": "magento-orders-to-sage-orders", "settings": {},
          "outputs": { "out": "outbox/sage", "fail": "outbox/sage-fail" } }
        """,
    ]

    @Test func namesUpTo255BytesGoThroughTheMapStages() async throws {
        let root = try FerryRoot()
        for folder in ["inbox/orders", "outbox/sage", "outbox/sage-fail"] {
            try FileManager.default.createDirectory(at: root.url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try root.writeConfig(stages: Self.stages)
        let orders = root.url.appendingPathComponent("inbox/orders")
        let good = [
            String(repeating: "o", count: 236) + ".xml",  // the issue's: 240 bytes, 256 with "-sage-orders.xml"
            String(repeating: "A", count: 251) + ".xml",  // 255 bytes
            String(repeating: "注", count: 83) + "x.xml",  // 254 bytes of 3-byte characters
            String(repeating: "p", count: 250) + "1.xml",  // two names that differ only past any cut
            String(repeating: "p", count: 250) + "2.xml",
        ]
        for (index, name) in good.enumerated() {
            #expect(name.utf8.count <= 255)
            try root.deliver(name, "<ArrayOfOrderInfo>" + Corpus.order(id: 8000 + index) + "</ArrayOfOrderInfo>\n", into: orders)
        }
        let bad = String(repeating: "b", count: 251) + ".xml"
        try root.deliver(bad, "<ArrayOfOrderInfo><OrderInfo>", into: orders)
        let mapped = String(repeating: "é", count: 125) + "a.xml"  // 255 bytes of 2-byte characters
        try root.deliver(mapped, FerryRoot.order(1))

        let run = try await root.run(["run"], timeout: .seconds(120))
        #expect(run.status == 0, "\(run.output)\n\(run.log.suffix(2000))")
        #expect(root.files(in: orders).isEmpty && root.files(in: root.inbox).isEmpty, "inboxes drained")
        #expect(Set(root.archived(stage: "orders")) == Set(good))
        // Quarantined under a name that leaves room for its `.error.txt`, which names the delivered file.
        let quarantined = try #require(root.quarantined(stage: "orders").first)
        #expect(root.quarantined(stage: "orders").count == 1 && quarantined.hasSuffix(".xml") && quarantined.hasPrefix("bbbb"))
        #expect((quarantined + ".error.txt").utf8.count <= 255)
        let reason = try String(contentsOf: root.failed.appendingPathComponent("orders/\(quarantined).error.txt"), encoding: .utf8)
        #expect(reason.contains("file:   \(bad)"), "\(reason)")
        #expect(root.archived() == [mapped])
        #expect(root.files(in: root.outbox) == [mapped])

        let outputs = root.files(in: root.url.appendingPathComponent("outbox/sage"))
        #expect(outputs.count == good.count, "one Sage file per input, distinct names: \(outputs)")
        for output in outputs {
            #expect(output.utf8.count <= 255)
            #expect(output.hasSuffix(".xml"), "the extension is kept: \(output)")
            let text = try String(contentsOf: root.url.appendingPathComponent("outbox/sage/\(output)"), encoding: .utf8)
            #expect(text.components(separatedBy: "<SalesOrder>").count - 1 == 1, "\(output)")
        }
        #expect(root.temporaries.isEmpty, "\(root.temporaries)")
        #expect(root.entries(in: root.work).isEmpty)
    }
}

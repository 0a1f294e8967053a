import FerryConsole
import FerryPipeline
import FerryState
import Foundation
import GRDB
import Testing

/// The Orders page says why an order was refused, from the refusals ledger (`order_refusal`) the refusing stage
/// writes: the console reads the table and knows nothing of Sage's file formats.
@Suite struct RefusalPagesTests {
    /// A pre-validation refusal and a Sage refusal, each reason with markup that must come out escaped.
    func refused(_ fixture: ConsoleFixture) throws {
        try fixture.pipeline.store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO order_refusal (external_id, external_ref, refused_by, reason, stage, file, refused_at)
                    VALUES ('43', '000000043', 'ferry pre-validation', 'Totals: Sage 10.00 <b>is not</b> Magento 12.00',
                            'map-orders', 'orders-1.xml', '2026-11-30T08:00:00Z'),
                           ('44', '000000044', 'Sage', 'Validation: Stock code ''X<1>'' does not exist',
                            'report-sage-failures', 'batch_fail.xml', '2026-11-30T08:05:00Z');
                    """)
        }
    }

    @Test func aSearchSaysWhoRefusedTheOrderAndWhy() async throws {
        let fixture = try await ConsoleFixture()
        try refused(fixture)
        let byIncrement = ConsoleFixture.text(try await fixture.get("/orders?q=000000043"))
        #expect(byIncrement.contains("<td>refused by ferry pre-validation</td>"))
        #expect(byIncrement.contains("order 000000043 (entity 43): Totals: Sage 10.00 &lt;b&gt;is not&lt;/b&gt; Magento 12.00"))
        #expect(byIncrement.contains("stage map-orders, file orders-1.xml"))
        #expect(!byIncrement.contains("<b>is not</b>"))
        #expect(!byIncrement.contains("Stock code"), "only the order searched for")

        let byEntity = ConsoleFixture.text(try await fixture.get("/orders?q=44"))
        #expect(byEntity.contains("<td>refused by Sage</td>"))
        #expect(byEntity.contains("Validation: Stock code &#39;X&lt;1&gt;&#39; does not exist"))
        await fixture.close()
    }

    @Test func theOrdersPageListsTheLatestRefusalsBeforeASearch() async throws {
        let fixture = try await ConsoleFixture()
        let empty = ConsoleFixture.text(try await fixture.get("/orders"))
        #expect(empty.contains("No order was refused."))

        try refused(fixture)
        let html = ConsoleFixture.text(try await fixture.get("/orders"))
        let table = try #require(html.range(of: #"<table id="refusals">[\s\S]*?</table>"#, options: .regularExpression).map { String(html[$0]) })
        // Newest first, each linking to its search.
        let sage = try #require(table.range(of: "/orders?q=000000044"))
        let ferry = try #require(table.range(of: "/orders?q=000000043"))
        #expect(sage.lowerBound < ferry.lowerBound)
        #expect(table.contains("<td>Sage</td>"))
        #expect(table.contains("Totals: Sage 10.00 &lt;b&gt;is not&lt;/b&gt; Magento 12.00"))
        #expect(!table.contains("<b>"))
        await fixture.close()
    }
}

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
        try fixture.execute(
            """
                INSERT INTO order_refusal (external_id, external_ref, refused_by, reason, stage, file, refused_at)
                VALUES ('43', '000000043', 'ferry pre-validation', 'Totals: Sage 10.00 <b>is not</b> Magento 12.00',
                        'map-orders', 'orders-1.xml', '2026-11-30T08:00:00Z'),
                       ('44', '000000044', 'Sage', 'Validation: Stock code ''X<1>'' does not exist',
                        'report-sage-failures', 'batch_fail.xml', '2026-11-30T08:05:00Z');
                """)
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

    /// Refused by Sage, fixed, sent again and imported: the steps read in time order, in one time format (the
    /// Magento ledgers write `yyyy-MM-dd HH:mm:ss` in UTC, the others ISO 8601).
    @Test func aRefusedOrderSentAgainReadsInTimeOrder() async throws {
        let fixture = try await ConsoleFixture()
        try fixture.execute(
            """
                INSERT INTO magento_comment_ledger (scope, update_key, increment_id, entity_id, comment, status, state, changed_at)
                VALUES ('update-orders', 'k', '000000045', 45, 'Imported into Sage as sales order 7002', NULL, 'posted', '2026-11-30 09:00:00');
                INSERT INTO sage_ledger (profile, record_type, external_id, external_ref, internal_id, hash, created, modified)
                VALUES ('magento-sage', 'sales-order', '45', '000000045', '7002', 'h', '2026-11-30T08:30:00Z', '2026-11-30T08:45:00Z');
                INSERT INTO order_refusal (external_id, external_ref, refused_by, reason, stage, file, refused_at)
                VALUES ('45', '000000045', 'Sage', 'Validation: account on hold', 'report-sage-failures', 'a_fail.xml', '2026-11-30T08:10:00Z');
                INSERT INTO magento_emitted_order (scope, entity_id, updated_at, increment_id, emitted_at)
                VALUES ('download-orders', 45, '2026-11-30 07:59:00', '000000045', '2026-11-30 08:00:00');
                """)
        let html = ConsoleFixture.text(try await fixture.get("/orders?q=000000045"))
        let steps = html.matches(of: #/<tr><td>([^<]+)</td><td class="wrap">[^<]*</td><td>([^<]+)</td></tr>/#).map { "\($0.1) \($0.2)" }
        #expect(steps == [
            "downloaded 2026-11-30T08:00:00Z", "refused by Sage 2026-11-30T08:10:00Z", "in the Sage outbox 2026-11-30T08:30:00Z",
            "imported by Sage 2026-11-30T08:45:00Z", "comment posted 2026-11-30T09:00:00Z",
        ])
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

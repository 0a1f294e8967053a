import FerryValues
import Foundation
import MagentoConnector
import Sage200Connector
import Sage200Sandbox
import Testing

/// OData paging past Sage's silent 500-row default, and backoff on 429/5xx.
@Suite struct ClientTests {
    static let bigCatalogue = (0..<1_234).map { (code: String(format: "P%05d", $0), name: "Product \($0)", stock: 10) }

    @Test func pagingReadsEveryRecordInAStableOrder() async throws {
        try await withSage200(catalogue: Self.bigCatalogue) { sage in
            let products = try await sage.client.getAll("/products", select: "id,code")
            #expect(products.count == 1_234)
            #expect(products.compactMap { $0["id"]?.int } == products.compactMap { $0["id"]?.int }.sorted())
            // Without $top the stand-in, like Sage, stops at 500 without saying so.
            let cut = try await sage.client.send("GET", "/products")
            #expect(cut.array?.count == 500)
        }
    }

    @Test func skipWithoutOrderByAndTimesWithoutZoneAreRefused() async throws {
        try await withSage200 { sage in
            let skip = await #expect(throws: Sage200Error.self) {
                _ = try await sage.client.send("GET", "/products", query: [("$skip", "10")])
            }
            #expect(skip?.status == 400)
            let zone = await #expect(throws: Sage200Error.self) {
                _ = try await sage.client.send("GET", "/warehouse_holdings", query: [("$filter", "date_time_updated gt 2026-01-01T00:00:00")])
            }
            #expect(zone?.status == 400)
        }
    }

    @Test func faultsAreRetriedHonouringRetryAfter() async throws {
        let options = Sage200SandboxOptions(faults: Sage200Faults(rate429: 0.2, rate5xx: 0.2, seed: 9), recordRequests: true)
        try await withSage200(options: options, catalogue: Self.bigCatalogue) { sage in
            for _ in 0..<5 {
                let products = try await sage.client.getAll("/products", select: "id")
                #expect(products.count == 1_234)
            }
            let faults = await sage.server.store.requestLog().filter { $0.fault != nil }
            #expect(!faults.isEmpty)
        }
    }
}

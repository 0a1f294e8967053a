import Foundation
import SageSide
import Testing

/// SKUs that break Sage 50's stock code rules go through the `stockCodes` map, or the order is refused naming it.
@Suite struct StockCodeTests {
    static func order(sku: String) -> MagentoOrder {
        var o = baseOrder()
        o.items[0].sku = sku
        return o
    }

    @Test func anOddSkuIsRefusedNamingTheMap() throws {
        let settings = OrderMappingSettings()
        let outcome = PreValidator(settings: settings).validate(
            try OrderMapper(settings: settings).map(Self.order(sku: "gift card £25")))
        #expect(outcome.violations.map(\.field) == ["SalesOrderItems/Item[1]/Sku"])
        #expect(outcome.violations.first?.limit.contains("`stockCodes`") == true)
    }

    @Test func theMapGivesTheStockCodeMatchingTheSkuInAnyCase() throws {
        var settings = OrderMappingSettings()
        settings.stockCodes = ["Gift Card £25": "GIFT-25"]
        let mapped = try OrderMapper(settings: settings).map(Self.order(sku: "gift card £25"))
        #expect(mapped.salesOrder.items.first?.sku == "GIFT-25")
        #expect(PreValidator(settings: settings).validate(mapped).passed)
    }
}

import FerryTestSupport
import FerryValues
import Foundation
import MagentoConnector
import Sage200Connector
import Sage200Sandbox
import SageSide
import Testing

/// EU VAT rates: mapped by rate and country (`"IE:23"`), the Sage 50 mapping's key shape, to the One Stop Shop
/// codes of the stand-in's company; a rate with no code is refused naming the rate, the country and the key.
@Suite struct TaxCodeTests {
    /// The shipped workflow's import settings (config.sage200.json).
    static func shippedSettings() throws -> Sage200OrderSettings {
        let config = try JSONSerialization.jsonObject(
            with: Data(contentsOf: packageRoot.appendingPathComponent("config.sage200.json"))) as? [String: Any]
        let stages = try #require(config?["stages"] as? [[String: Any]])
        let stage = try #require(stages.first { $0["task"] as? String == "sage200.import-orders" })
        return try JSONDecoder().decode(
            Sage200OrderSettings.self, from: JSONSerialization.data(withJSONObject: stage["settings"] ?? [:]))
    }

    /// `demoOrder(n)` delivered to `country` with every line and the shipping at `percent`.
    static func order(_ n: Int, country: String, percent: Decimal) -> SageSide.MagentoOrder {
        var order = demoOrder(n, currency: "EUR")
        var tax = Decimal(0)
        for index in order.items.indices {
            order.items[index].taxPercent = percent
            order.items[index].taxAmount = round2(order.items[index].rowTotal * percent / 100)
            tax += order.items[index].taxAmount
        }
        order.shippingTaxAmount = round2(order.shippingAmount * percent / 100)
        order.taxAmount = tax + order.shippingTaxAmount
        order.grandTotal = order.subtotal + order.shippingAmount + order.taxAmount
        order.shippingAddress?.countryId = country
        order.billingAddress?.countryId = country
        return order
    }

    @Test func euRatesGoToTheirCountrysCode() async throws {
        let settings = try Self.shippedSettings()
        try await withSage200 { sage in
            for (n, country, percent, recordId) in [(1, "IE", Decimal(23), 7), (2, "DE", Decimal(19), 9), (3, "FR", Decimal(20), 11)] {
                let order = Self.order(n, country: country, percent: percent)
                let outcome = try await sage.importer(settings).importOrder(order)
                #expect(outcome.documentNo != nil, "\(country): \(outcome)")
                let sales = try #require(await sage.server.store.allOrders().last)
                #expect(sales["total_gross_value"]?.decimal == order.grandTotal)
                // France's 20 % is French VAT under the OSS, not the UK's code 1 (record 6 is the rounding line's
                // 0 % code, when Sage's VAT on the total net steps over Magento's total).
                let codes = Set((sales["lines"]?.array ?? []).compactMap { $0["tax_code_id"]?.int })
                #expect(codes.subtracting([6]) == [recordId], "\(country): \(codes)")
            }
        }
    }

    @Test func aRateWithNoCodeIsRefusedNamingTheRateTheCountryAndTheKey() async throws {
        try await withSage200 { sage in
            let order = Self.order(4, country: "DE", percent: 19)
            let outcome = try await sage.importer().importOrder(order)
            guard case .refused(let reason) = outcome else { Issue.record("accepted: \(outcome)"); return }
            #expect(reason.contains("19 %") && reason.contains("DE") && reason.contains("settings.taxCodes"), "\(reason)")
            #expect(reason.contains("\"DE:19\""), "\(reason)")
            // Refused before any account is made for it.
            #expect(await sage.server.store.allCustomers().isEmpty)
        }
    }

    @Test func keysAreRatesOrCountriesAndRates() throws {
        let good = try JSONDecoder().decode(Sage200OrderSettings.self, from: Data(#"{"taxCodes": {"IE:13.5": 21, "20": 1}}"#.utf8))
        #expect(good.taxCodes["IE:13.5"] == 21)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Sage200OrderSettings.self, from: Data(#"{"taxCodes": {"Ireland:23": 20}}"#.utf8))
        }
    }
}

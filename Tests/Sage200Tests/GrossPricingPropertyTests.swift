import FerryXML
import FerryTestSupport
import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox
@testable import Sage200Connector
@testable import Sage200Sandbox
import SageSide
import Testing

/// The property behind "right to the penny" for Sage 200: orders priced by the Magento sandbox's tax model (the
/// Sage 50 money check's generator: coupons, several rates, shipping, bundles, configurables, awkward prices,
/// EU destinations) under all 96 combinations of Magento's tax settings, half of them gross-priced, are priced
/// with the shipped config.sage200.json against the stand-in company's tax codes. What Sage 200 computes from the
/// lines ferry sends (each line's net from its quantity and 5-decimal price, VAT per tax code on the total net)
/// equals `grand_total` for every order, or the order is refused for a reason true of its data.
@Suite struct GrossPricingPropertyTests {
    struct Report: CustomStringConvertible {
        var orders = 0, gross = 0, sent = 0, grossSent = 0, roundingLines = 0, vatDiffers = 0
        var refused: [String: Int] = [:]
        var examples: [String: String] = [:]
        var failures: [String] = []
        var description: String {
            "orders \(orders) (gross-priced \(gross)): in Sage \(sent) (gross-priced \(grossSent)), with a rounding line "
                + "\(roundingLines), Sage's VAT not Magento's \(vatDiffers); refused \(refused); failures \(failures.count)"
                + examples.sorted(by: { $0.key < $1.key }).map { "\n  e.g. \($0.value)" }.joined()
                + failures.prefix(10).map { "\n  \($0)" }.joined()
        }
    }

    /// The reasons an order may be refused that are true of its data; nil for any other.
    static func category(_ reason: String) -> String? {
        if reason.contains("grand_total") && reason.contains("fractions of a penny") {
            return "Magento's grand_total has fractions of a penny"
        }
        if reason.contains("has no Sage 200 tax code") { return "a rate with no tax code" }
        if reason.contains("not") && reason.contains("a price Sage can hold") { return "no 5-decimal price" }
        return nil
    }

    @Test func everyGeneratedOrderTotalsGrandTotalInSageOrIsRefusedForItsData() async throws {
        let settings = try TaxCodeTests.shippedSettings()
        var codes: Sage200LinePricing.TaxCodes = [:]
        for code in await Sage200SandboxStore().taxCodes {
            if let id = code["id"]?.int, let user = code["code"]?.int { codes[user] = (id, code["tax_rate"]?.decimal ?? 0) }
        }
        let pricing = Sage200LinePricing(settings: settings, taxCodes: codes)
        let generator = SandboxCartGenerator(catalogue: SandboxData.catalogue(seed: 14), oddProducts: true)
        let perCombination = 100
        var report = Report()
        try await withTemporaryDirectory { dir in
            for (index, store) in MagentoTaxSettings.all.enumerated() {
                let seed = UInt64(1400 + index)
                var downloaded: [MagentoConnector.MagentoOrder] = []
                for id in 1...perCombination {
                    let (cart, customer) = generator.cart(seed: seed, entityID: id)
                    let json = cart.magentoOrder(settings: store, customer: customer, entityID: id, createdAt: "2026-11-30 10:00:00")
                    downloaded.append(MagentoConnector.MagentoOrder(json: .object(json)))
                }
                // Through the download's file, as the import stage reads it.
                let file = dir.appendingPathComponent("orders-\(index).xml")
                try OrderXMLWriter.write(downloaded, to: file)
                try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { record in
                    let order = try SageSide.MagentoOrder(record: record)
                    report.orders += 1
                    if store.catalogPricesIncludeTax { report.gross += 1 }
                    switch pricing.lines(of: order) {
                    case .failure(let reason):
                        guard let category = Self.category(reason.description) else {
                            report.failures.append("seed \(seed) order \(order.entityId) [\(store)]: \(reason)")
                            return
                        }
                        report.refused[category, default: 0] += 1
                        report.examples[category] = report.examples[category] ?? "order \(order.entityId) [\(store)]: \(reason)"
                    case .success(let lines):
                        let total = GrossPricingTests.sageTotal(lines)
                        guard total == order.grandTotal else {
                            report.failures.append(
                                "seed \(seed) order \(order.entityId) [\(store)]: Sage \(total) vs grand_total \(order.grandTotal)")
                            return
                        }
                        report.sent += 1
                        if store.catalogPricesIncludeTax { report.grossSent += 1 }
                        if lines.contains(where: { if case .rounding = $0.kind { true } else { false } }) { report.roundingLines += 1 }
                        let nets = lines.map { (taxCodeId: $0.taxCodeId, net: $0.net, rate: $0.rate) }
                        if Sage200SandboxStore.orderTax(nets) != order.taxAmount { report.vatDiffers += 1 }
                    }
                }
            }
        }
        print("Sage 200 pricing property: \(report)")
        #expect(report.orders == perCombination * MagentoTaxSettings.all.count)
        #expect(report.failures.isEmpty, "\(report)")
        #expect(report.grossSent > 4_000, "\(report)")
    }
}

import Foundation
@testable import Sage200Connector
@testable import Sage200Sandbox
import SageSide
import Testing

/// Gross-priced (VAT-inclusive) orders reach Sage 200 to the penny although Sage takes net prices and computes the
/// VAT itself, per tax code on the total net (``Sage200LinePricing``).
@Suite struct GrossPricingTests {
    static let codes: Sage200LinePricing.TaxCodes = [1: (2, 20), 5: (4, 5), 0: (1, 0), 9: (6, 0)]

    /// One line of `gross` at 20 %, Magento's VAT taken out of the gross (no shipping).
    static func grossOrder(_ grosses: [Decimal], shipping: Decimal = 0) -> SageSide.MagentoOrder {
        var order = demoOrder(1, lines: grosses.count, shipping: 0)
        for (index, gross) in grosses.enumerated() {
            let vat = round2(gross / 6)
            order.items[index].qtyOrdered = 1
            order.items[index].taxPercent = 20
            order.items[index].taxAmount = vat
            order.items[index].rowTotal = gross - vat
            order.items[index].price = gross - vat
        }
        let shippingVat = round2(shipping / 6)
        order.shippingAmount = shipping - shippingVat
        order.shippingTaxAmount = shippingVat
        order.grandTotal = grosses.reduce(shipping, +)
        return order
    }

    static func sageTotal(_ lines: [Sage200LinePricing.Line]) -> Decimal {
        // What Sage does with what ferry sends: each line's net from its quantity and unit price, the VAT per code.
        let nets = lines.map { (taxCodeId: $0.taxCodeId, net: Sage200SandboxStore.round2($0.quantity * $0.unitPrice), rate: $0.rate) }
        return nets.reduce(Decimal(0)) { $0 + $1.net } + Sage200SandboxStore.orderTax(nets)
    }

    @Test func aGrossTotalANetReachesNeedsNoExtraLine() throws {
        // 12.00 gross: Magento's 10.00 + 2.00 is also Sage's.
        let order = Self.grossOrder([12])
        let lines = try Sage200LinePricing(settings: .init(), taxCodes: Self.codes).lines(of: order).get()
        #expect(lines.count == 1)
        #expect(Self.sageTotal(lines) == 12)
    }

    @Test func aGrossTotalNoNetReachesTakesAPennyRoundingLine() throws {
        // 9.99 at 20 %: 8.32 gives 8.32 + 1.66 = 9.98 and 8.33 gives 8.33 + 1.67 = 10.00.
        let order = Self.grossOrder([Decimal(string: "9.99")!])
        let lines = try Sage200LinePricing(settings: .init(), taxCodes: Self.codes).lines(of: order).get()
        #expect(lines.count == 2)
        guard case .rounding = lines[1].kind else { Issue.record("no rounding line: \(lines)"); return }
        #expect(lines[1].net == Decimal(string: "0.01")! && lines[1].taxCodeId == 6)
        #expect(Self.sageTotal(lines) == Decimal(string: "9.99")!)
        // Without a 0 % code for it, the order is refused, naming the setting.
        var settings = Sage200OrderSettings()
        settings.roundingTaxCode = 1
        guard case .failure(let reason) = Sage200LinePricing(settings: settings, taxCodes: Self.codes).lines(of: order) else {
            Issue.record("accepted with a 20 % rounding code"); return
        }
        #expect(reason.description.contains("settings.roundingTaxCode"))
    }

    @Test func sagesVATIsPerCodeOnTheTotalNet() {
        // Sage's own example: 10.43 and 0.83 at 20 % give 2.25 of VAT, not 2.09 + 0.17.
        let tax = Sage200SandboxStore.orderTax([(2, Decimal(string: "10.43")!, 20), (2, Decimal(string: "0.83")!, 20)])
        #expect(tax == Decimal(string: "2.25")!)
    }

    @Test func severalLinesShareOnePennyMove() throws {
        // Three rows whose per-row VAT adds up a penny above Sage's VAT on their total net: one line carries it.
        let grosses = [Decimal(string: "4.99")!, Decimal(string: "4.99")!, Decimal(string: "4.99")!]
        let order = Self.grossOrder(grosses, shipping: Decimal(string: "3.95")!)
        let lines = try Sage200LinePricing(settings: .init(), taxCodes: Self.codes).lines(of: order).get()
        #expect(Self.sageTotal(lines) == order.grandTotal)
    }
}

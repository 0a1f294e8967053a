import FerryValues
import Foundation
import MagentoConnector
@testable import MagentoSandbox
import Testing

/// The sandbox's tax model gives the figures Magento 2.4's calculators give (worked by hand from
/// `UnitBaseCalculator`, `AbstractAggregateCalculator` and `AbstractCalculator::deltaRound`).
@Suite struct MagentoTaxModelTests {
    static func d(_ text: String) -> Decimal { Decimal(string: text)! }

    static func row(_ code: String, _ price: String, qty: String = "1", discount: String = "0", rate: String = "20",
        storeRate: String = "20", included: Bool = true) -> TaxableRow {
        TaxableRow(
            code: code, unitPrice: d(price), quantity: d(qty), discount: d(discount), rate: d(rate),
            storeRate: d(storeRate), taxIncluded: included)
    }

    @Test func grossRowOfThreeAt333IsMagentosRow() {
        // The example: 3 x 3.33 incl. 20 % = 9.99, Magento's row 8.32 + 1.67.
        var row = MagentoTaxCalculator(settings: .init(algorithm: .row))
        let taxed = row.calculate(Self.row("a", "3.33", qty: "3"))
        #expect(taxed.rowTotalInclTax == Self.d("9.99"))
        #expect(taxed.rowTax == Self.d("1.67"))
        #expect(taxed.rowTotal == Self.d("8.32"))
        #expect(taxed.price == Self.d("2.77"))

        // Unit base rounds the unit's tax (0.555 -> 0.56) and multiplies: 1.68 + 8.31.
        var unit = MagentoTaxCalculator(settings: .init(algorithm: .unit))
        let perUnit = unit.calculate(Self.row("a", "3.33", qty: "3"))
        #expect(perUnit.rowTax == Self.d("1.68"))
        #expect(perUnit.rowTotal == Self.d("8.31"))
        #expect(perUnit.rowTotalInclTax == Self.d("9.99"))
    }

    @Test func totalBaseCarriesTheDeltaFromRowToRow() {
        // 0.555 + 0.000001 -> 0.56 leaves -0.004999; the next 0.555 becomes 0.550001 -> 0.55.
        var total = MagentoTaxCalculator(settings: .init(algorithm: .total))
        #expect(total.calculate(Self.row("a", "3.33")).rowTax == Self.d("0.56"))
        #expect(total.calculate(Self.row("b", "3.33")).rowTax == Self.d("0.55"))
        // Row base keeps no delta between rows: both round up.
        var row = MagentoTaxCalculator(settings: .init(algorithm: .row))
        #expect(row.calculate(Self.row("a", "3.33")).rowTax == Self.d("0.56"))
        #expect(row.calculate(Self.row("b", "3.33")).rowTax == Self.d("0.56"))
    }

    @Test func discountOnAGrossRowLeavesACompensation() {
        // 10.00 gross less a 1.00 discount: tax 1.67 before, 1.50 after; the 0.17 is the compensation.
        var calculator = MagentoTaxCalculator(settings: .init(algorithm: .row))
        let taxed = calculator.calculate(Self.row("a", "10.00", discount: "1.00"))
        #expect(taxed.rowTax == Self.d("1.50"))
        #expect(taxed.discountTaxCompensation == Self.d("0.17"))
        #expect(taxed.rowTotal == Self.d("8.33"))
        #expect(taxed.rowTotal + taxed.rowTax + taxed.discountTaxCompensation - 1 == 9)
        // Tax before discount: no compensation, the full tax charged.
        var before = MagentoTaxCalculator(settings: .init(algorithm: .row, applyTaxAfterDiscount: false))
        let full = before.calculate(Self.row("a", "10.00", discount: "1.00"))
        #expect(full.rowTax == Self.d("1.67"))
        #expect(full.discountTaxCompensation == 0)
    }

    @Test func grossPriceIsRepricedForAnotherRateUnlessCrossBorderTrade() {
        // A US customer (0 %) of a UK store pricing 3.33 gross pays the net price: 3.33 - 0.555 = 2.775 -> 2.78.
        var calculator = MagentoTaxCalculator(settings: .init(algorithm: .row))
        let taxed = calculator.calculate(Self.row("a", "3.33", rate: "0"))
        #expect(taxed.priceInclTax == Self.d("2.78"))
        #expect(taxed.rowTax == 0)
        // Cross-border trade keeps the gross price: an Irish customer at 23 % pays 3.33 too.
        var crossBorder = MagentoTaxCalculator(settings: .init(algorithm: .row, crossBorderTrade: true))
        let irish = crossBorder.calculate(Self.row("a", "3.33", rate: "23"))
        #expect(irish.rowTotalInclTax == Self.d("3.33"))
        #expect(irish.rowTax == Self.d("0.62"))  // 3.33 x 23 / 123 = 0.6227
    }

    @Test func netPricesAddTaxPerUnitOrPerRow() {
        var unit = MagentoTaxCalculator(settings: .init(catalogPricesIncludeTax: false, algorithm: .unit))
        let perUnit = unit.calculate(Self.row("a", "2.775", qty: "3", included: false))
        // The price is rounded first (2.78), its tax 0.556 -> 0.56 per unit.
        #expect(perUnit.price == Self.d("2.78"))
        #expect(perUnit.rowTax == Self.d("1.68"))
        var row = MagentoTaxCalculator(settings: .init(catalogPricesIncludeTax: false, algorithm: .row))
        let perRow = row.calculate(Self.row("a", "2.78", qty: "3", included: false))
        #expect(perRow.rowTax == Self.d("1.67"))  // 8.34 x 0.2 = 1.668
        #expect(perRow.rowTotalInclTax == Self.d("10.01"))
    }

    /// Every generated order, under every combination of settings, adds up the way Magento's totals do.
    @Test(arguments: MagentoTaxSettings.all)
    func generatedOrdersAddUp(settings: MagentoTaxSettings) throws {
        let generator = SandboxCartGenerator(catalogue: SandboxData.catalogue(seed: 3), oddProducts: true)
        for id in 1...12 {
            let (cart, customer) = generator.cart(seed: 11, entityID: id)
            let order = cart.magentoOrder(settings: settings, customer: customer, entityID: id, createdAt: "2025-01-01 00:00:00")
            func amount(_ value: JSONValue?) -> Decimal { value?.decimal ?? 0 }
            for prefix in ["", "base_"] {
                var lines: Decimal = 0
                for item in order["items"]?.array ?? [] {
                    // Priced rows: a dynamic bundle's parts, every other top-level item.
                    let hasParent = item["parent_item_id"] != nil
                    let dynamicPart = hasParent && item["parent_item"]?["product_options"]?["product_calculations"]?.int == 0
                    let dynamicParent = !hasParent && item["product_options"]?["product_calculations"]?.int == 0
                    guard dynamicPart || (!hasParent && !dynamicParent) else { continue }
                    lines += amount(item[prefix + "row_total"]) + amount(item[prefix + "tax_amount"])
                        + amount(item[prefix + "discount_tax_compensation_amount"]) - amount(item[prefix + "discount_amount"])
                }
                let compensation = prefix.isEmpty
                    ? amount(order["shipping_discount_tax_compensation_amount"])
                    : amount(order["base_shipping_discount_tax_compensation_amnt"])
                let shipping = amount(order[prefix + "shipping_amount"]) + amount(order[prefix + "shipping_tax_amount"])
                    + compensation - amount(order[prefix + "shipping_discount_amount"])
                #expect(lines + shipping == amount(order[prefix + "grand_total"]), "order \(id), \(settings)")
                #expect(amount(order[prefix + "grand_total"]) >= 0)
            }
            #expect(order["payment"]?["amount_ordered"] == order["grand_total"])
        }
    }
}

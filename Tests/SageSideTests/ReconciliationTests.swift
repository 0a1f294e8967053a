import Foundation
import SageSide
import Testing

/// The money cases: every order Sage receives totals Magento's `grand_total` to the penny, computed the
/// way Sage computes it (``SageDocumentTotal``), or it is refused naming the line, both figures and the cause.
@Suite struct ReconciliationTests {
    /// A UK store pricing gross: `count` x `gross` at 20 % with Magento's row figures, shipping 4.95 gross.
    static func grossOrder(
        _ count: Decimal, at gross: Decimal, rowTotal: Decimal, tax: Decimal, discount: Decimal = 0,
        compensation: Decimal = 0, country: String = "GB", percent: Decimal = 20
    ) -> MagentoOrder {
        var o = withCountry(baseOrder(), country)
        var item = MagentoOrderItem(
            itemId: "1", sku: "PEN001", name: "Pens", qtyOrdered: count, price: rowTotal / count, taxPercent: percent,
            taxAmount: tax, discountAmount: discount, rowTotal: rowTotal)
        item.priceInclTax = gross
        item.discountTaxCompensationAmount = compensation
        o.items = [item]
        o.shippingAmount = d("4.13")
        o.shippingTaxAmount = d("0.82")  // 4.95 gross: 4.125 -> 0.825 VAT, Magento's delta rounding
        o.grandTotal = rowTotal + tax + compensation - discount + d("4.95")
        o.discountAmount = -discount
        return o
    }

    static func map(_ order: MagentoOrder, _ settings: OrderMappingSettings = OrderMappingSettings())
        throws -> (MappedOrder, ValidationOutcome)
    {
        let mapped = try OrderMapper(settings: settings).map(order)
        return (mapped, PreValidator(settings: settings).validate(mapped))
    }

    @Test func grossPricesThatNetLinesCannotCarryGoVatInclusive() throws {
        // The issue: 3 x 3.33 incl. VAT = 9.99; Magento's row 8.32 + 1.67. Net lines give 9.98 or 10.00.
        let order = Self.grossOrder(3, at: d("3.33"), rowTotal: d("8.32"), tax: d("1.67"))
        let (mapped, outcome) = try Self.map(order)
        #expect(outcome.passed, "\(outcome.violations)")
        let sales = mapped.salesOrder
        #expect(sales.vatInclusive == true)
        #expect(sales.items.first?.unitPrice == d("3.33"))
        #expect(sales.items.first?.unitDiscountAmount == nil)
        #expect(sales.carriage?.unitPrice == d("4.95"))
        let total = SageDocumentTotal(sales, taxRates: OrderMappingSettings().taxRates)
        #expect(total.total == d("14.94"))
        #expect(total.total == order.grandTotal)
        #expect(sales.paymentAmount == order.grandTotal)
        // Sage takes the VAT out of the gross line: 9.99 x 20 / 120 = 1.665 -> 1.67, Magento's figure.
        #expect(total.lines.first?.vat == d("1.67"))
    }

    @Test func netLinesAreKeptWhenSageAddsMagentosVat() throws {
        // 2 x 10 net, VAT 4: Sage's 20 x 20 % is 4 on every line, so net lines reconcile and match Magento's VAT.
        let (mapped, outcome) = try Self.map(baseOrder())
        #expect(outcome.passed)
        #expect(mapped.salesOrder.vatInclusive == nil)
        #expect(mapped.salesOrder.items.first?.unitPrice == 10)
    }

    @Test func aGrossCouponAndItsTaxCompensationReconcile() throws {
        // 10.00 gross less a 1.00 coupon on prices incl. tax: row_total 8.33, tax 1.50, compensation 0.17.
        // The net Sage must carry is 8.33 + 0.17 - 1.00 = 7.50 (the old mapping took 1.00 off 8.33: 7.33).
        let order = Self.grossOrder(1, at: 10, rowTotal: d("8.33"), tax: d("1.50"), discount: 1, compensation: d("0.17"))
        let (mapped, outcome) = try Self.map(order)
        #expect(outcome.passed, "\(outcome.violations)")
        let total = SageDocumentTotal(mapped.salesOrder, taxRates: OrderMappingSettings().taxRates)
        #expect(total.total == order.grandTotal)
        #expect(total.lines.first?.net == d("7.50"))
        #expect(total.lines.first?.vat == d("1.50"))
    }

    @Test func anUnmappedRateIsRefusedByName() throws {
        // An Irish consumer charged 23 %: the old mapping booked it under T1 (20 %).
        let order = Self.grossOrder(1, at: d("12.30"), rowTotal: 10, tax: d("2.30"), country: "IE", percent: 23)
        let (_, outcome) = try Self.map(order)
        #expect(!outcome.passed)
        #expect(
            outcome.violations.contains {
                $0.description.contains("VAT rate 23 % (IE) has no Sage tax code: add it to `taxCodes`")
            })
        // Mapped, with the code's rate known, it goes through.
        var settings = OrderMappingSettings()
        settings.taxCodes["IE:23"] = "T10"
        settings.taxRates["T10"] = 23
        let (mapped, passed) = try Self.map(order, settings)
        #expect(passed.passed, "\(passed.violations)")
        #expect(mapped.salesOrder.items.first?.taxCode == 10)
    }

    @Test func aMismatchNamesTheLineBothFiguresAndTheCause() throws {
        // Net lines forced on the 3 x 3.33 order: Sage's VAT on 8.32 is 1.66, Magento's 1.67.
        var settings = OrderMappingSettings()
        settings.linePrices = "net"
        let (_, outcome) = try Self.map(Self.grossOrder(3, at: d("3.33"), rowTotal: d("8.32"), tax: d("1.67")), settings)
        let line = try #require(outcome.violations.first { $0.field == "SalesOrderItems/Item[1]" })
        #expect(line.value == "PEN001: Sage 9.98 vs Magento 9.99")
        #expect(line.limit.contains("Sage's VAT on the net 8.32 at T1 is 1.66, Magento's tax_amount 1.67"))
        // The carriage is a penny over (4.13 net: 0.83 VAT, Magento's 0.82): the total matches by chance, and
        // both lines are still refused, since Sage would book other VAT than Magento charged.
        #expect(outcome.violations.map(\.field) == ["SalesOrderItems/Item[1]", "Carriage"])
    }

    @Test func vatInclusiveIsWrittenAndReadBack() throws {
        let order = Self.grossOrder(3, at: d("3.33"), rowTotal: d("8.32"), tax: d("1.67"))
        let sales = try OrderMapper(settings: OrderMappingSettings()).map(order).salesOrder
        let element = sales.element()
        #expect(element.children.contains { $0.name == "VatInclusive" && $0.text == "true" })
    }
}

import Foundation

/// One priced row of an order, in one currency.
struct PricedRow: Sendable, Hashable {
    var taxed: TaxedRow
    var discount: Decimal
}

/// A cart priced in one currency the way Magento's totals collectors price it.
struct PricedCart: Sendable, Hashable {
    /// Per cart line: the line's own row (simple, configurable, fixed bundle) or its parts' rows (dynamic bundle).
    var lines: [[PricedRow]]
    var shipping: PricedRow
    var shippingDiscount: Decimal

    /// Every item row (not shipping), in order.
    var itemRows: [PricedRow] { lines.flatMap { $0 } }
    var subtotal: Decimal { itemRows.reduce(0) { $0 + $1.taxed.rowTotal } }
    var subtotalInclTax: Decimal { itemRows.reduce(0) { $0 + $1.taxed.rowTotalInclTax } }
    var itemTax: Decimal { itemRows.reduce(0) { $0 + $1.taxed.rowTax } }
    var itemDiscount: Decimal { itemRows.reduce(0) { $0 + $1.discount } }
    var itemCompensation: Decimal { itemRows.reduce(0) { $0 + $1.taxed.discountTaxCompensation } }
    var taxAmount: Decimal { itemTax + shipping.taxed.rowTax }
    /// `discount_amount` of the order: negative, items and shipping.
    var discountAmount: Decimal { -(itemDiscount + shippingDiscount) }
    /// `Grand::collect`: the sum of every collector's total amount.
    var grandTotal: Decimal {
        subtotal + shipping.taxed.rowTotal + taxAmount + discountAmount + itemCompensation
            + shipping.taxed.discountTaxCompensation
    }
}

extension SandboxCart {
    /// The customer's rate for a tax class: EU customers with a VAT number are in a tax-exempt group.
    func customerRate(_ taxClass: SandboxTaxClass) -> Decimal {
        if vatNumber != nil { return 0 }
        return SandboxCountryRates.of(country).rate(taxClass)
    }

    /// The cart priced in the base currency (`rate` nil) or converted at `rate` (prices converted and rounded
    /// first, as `PriceCurrency::convertAndRound` does, then every total computed again in that currency).
    func priced(_ settings: MagentoTaxSettings, rate: Decimal?) -> PricedCart {
        func convert(_ price: Decimal) -> Decimal { rate.map { MagentoRounding.round(price * $0) } ?? price }
        let home = SandboxCountryRates.of("GB")
        // The rows the tax calculators see: a dynamic bundle's parts, every other line itself.
        var rows: [[TaxableRow]] = []
        for (index, line) in lines.enumerated() {
            func row(_ code: String, _ price: Decimal, _ quantity: Decimal, _ taxClass: SandboxTaxClass) -> TaxableRow {
                TaxableRow(
                    code: code, unitPrice: convert(price), quantity: quantity, discount: 0,
                    rate: customerRate(taxClass), storeRate: home.rate(taxClass),
                    taxIncluded: settings.catalogPricesIncludeTax)
            }
            if line.kind == .dynamicBundle {
                rows.append(
                    line.parts.enumerated().map { part in
                        row(
                            "sequence-\(index)-\(part.offset)", part.element.price, line.quantity * part.element.quantity,
                            part.element.taxClass)
                    })
            } else {
                rows.append([row("sequence-\(index)", line.price, line.quantity, line.taxClass)])
            }
        }
        var shippingRow = TaxableRow(
            code: "shipping", unitPrice: convert(shipping), quantity: 1, discount: 0,
            rate: customerRate(.standard), storeRate: home.standard, taxIncluded: settings.shippingIncludesTax)

        // The tax subtotal collector prices the rows without discounts first (its own calculator): the sales rule
        // takes its percent of those prices, gross when discounts apply to prices including tax.
        var subtotalPass = MagentoTaxCalculator(settings: settings)
        let percent = couponPercent / 100
        for lineIndex in rows.indices {
            for rowIndex in rows[lineIndex].indices where percent > 0 {
                let taxed = subtotalPass.calculate(rows[lineIndex][rowIndex])
                let unit = settings.discountOnPricesIncludingTax ? taxed.priceInclTax : taxed.price
                // Capped at the row as priced (a net row with a discount taken from gross prices would otherwise
                // go below zero: the model keeps every order's total at or above zero).
                rows[lineIndex][rowIndex].discount = min(
                    MagentoRounding.round(unit * rows[lineIndex][rowIndex].quantity * percent),
                    settings.catalogPricesIncludeTax ? taxed.rowTotalInclTax : taxed.rowTotal)
            }
        }
        if percent > 0 && couponAppliesToShipping && shippingRow.unitPrice > 0 {
            let taxed = subtotalPass.calculate(shippingRow)
            let amount = settings.discountOnPricesIncludingTax ? taxed.rowTotalInclTax : taxed.rowTotal
            shippingRow.discount = min(
                MagentoRounding.round(amount * percent),
                settings.shippingIncludesTax ? taxed.rowTotalInclTax : taxed.rowTotal)
        }

        // The tax collector: items in order, shipping last, one calculator (the total base delta runs through).
        var calculator = MagentoTaxCalculator(settings: settings)
        let priced = rows.map { line in line.map { PricedRow(taxed: calculator.calculate($0), discount: $0.discount) } }
        let shippingPriced = PricedRow(taxed: calculator.calculate(shippingRow), discount: shippingRow.discount)
        return PricedCart(lines: priced, shipping: shippingPriced, shippingDiscount: shippingRow.discount)
    }
}

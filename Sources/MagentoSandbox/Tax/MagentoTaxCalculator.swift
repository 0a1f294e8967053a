import Foundation

/// One row as Magento's tax calculators receive it (`QuoteDetailsItemInterface`).
struct TaxableRow: Sendable {
    /// The item's code: the delta rounding of the unit and row calculators is kept per code.
    var code: String
    /// The catalogue (or shipping) price as configured: gross when `taxIncluded`.
    var unitPrice: Decimal
    var quantity: Decimal
    /// The row's discount, as the sales rule computed it.
    var discount: Decimal
    /// The customer's rate for the row's tax class.
    var rate: Decimal
    /// The store's (origin's) rate for the row's tax class: a gross price was set at this rate.
    var storeRate: Decimal
    var taxIncluded: Bool
}

/// What a calculator gives back for a row (`TaxDetailsItemInterface`).
struct TaxedRow: Sendable, Hashable {
    var price: Decimal
    var priceInclTax: Decimal
    var rowTotal: Decimal
    var rowTotalInclTax: Decimal
    /// The row's tax after the discount (when tax applies after the discount).
    var rowTax: Decimal
    /// The tax the discount took off a gross row (`discount_tax_compensation_amount`).
    var discountTaxCompensation: Decimal
    var taxPercent: Decimal
}

/// Magento 2.4's `UnitBaseCalculator`, `RowBaseCalculator` and `TotalBaseCalculator` (via
/// `AbstractAggregateCalculator`), statement for statement. One calculator prices one currency of one quote: the
/// total-base delta is carried from row to row in the order rows are given (items, then shipping).
struct MagentoTaxCalculator {
    let settings: MagentoTaxSettings
    private var deltas = DeltaRounder()

    init(settings: MagentoTaxSettings) { self.settings = settings }

    // Delta types: `AbstractCalculator::KEY_REGULAR_DELTA_ROUNDING`, `KEY_TAX_BEFORE_DISCOUNT_DELTA_ROUNDING`.
    private static let regular = "regular"
    private static let beforeDiscount = "tax_before_discount"

    /// `calculate($item, $quantity, $round = true)`.
    mutating func calculate(_ row: TaxableRow) -> TaxedRow {
        switch (settings.algorithm, row.taxIncluded) {
        case (.unit, true): unitWithTaxInPrice(row)
        case (.unit, false): unitWithTaxNotInPrice(row)
        case (_, true): aggregateWithTaxInPrice(row)
        case (_, false): aggregateWithTaxNotInPrice(row)
        }
    }

    /// `roundAmount`: the unit and row calculators key the delta by item code, the total calculator does not.
    private mutating func roundAmount(_ amount: Decimal, rate: Decimal, direction: Bool, type: String, row: TaxableRow)
        -> Decimal
    {
        let type = settings.algorithm == .total ? type : type + row.code
        // PHP builds the key as `$type . $direction` (true -> "1", false -> "") and indexes it by the rate.
        return deltas.round(amount, key: "\(type)\(direction ? "1" : "")|\(rate)")
    }

    /// `isSameRateAsStore`: with cross-border trade every rate counts as the store's.
    private func isSameRateAsStore(_ rate: Decimal, _ storeRate: Decimal) -> Bool {
        settings.crossBorderTrade || rate == storeRate
    }

    /// `calculatePriceInclTax`: the store's tax taken out of a gross price and the customer's put in.
    private func priceInclTax(_ storePriceInclTax: Decimal, storeRate: Decimal, customerRate: Decimal) -> Decimal {
        let storeTax = MagentoRounding.taxAmount(storePriceInclTax, rate: storeRate, priceIncludesTax: true, round: false)
        let priceExclTax = storePriceInclTax - storeTax
        let customerTax = MagentoRounding.taxAmount(priceExclTax, rate: customerRate, priceIncludesTax: false, round: false)
        return MagentoRounding.round(priceExclTax + customerTax)
    }

    // MARK: UnitBaseCalculator

    private mutating func unitWithTaxInPrice(_ row: TaxableRow) -> TaxedRow {
        var priceInclTax = MagentoRounding.round(row.unitPrice)
        if !isSameRateAsStore(row.rate, row.storeRate) {
            priceInclTax = self.priceInclTax(priceInclTax, storeRate: row.storeRate, customerRate: row.rate)
        }
        var unitTax = MagentoRounding.taxAmount(priceInclTax, rate: row.rate, priceIncludesTax: true, round: true)
        let price = priceInclTax - unitTax
        var compensation: Decimal = 0
        if row.discount != 0 && settings.applyTaxAfterDiscount {
            let unitDiscount = row.discount / row.quantity
            let taxable = max(priceInclTax - unitDiscount, 0)
            let unitTaxAfterDiscount = MagentoRounding.taxAmount(
                taxable, rate: row.rate, priceIncludesTax: true, round: true)
            compensation = (unitTax - unitTaxAfterDiscount) * row.quantity
            unitTax = unitTaxAfterDiscount
        }
        return TaxedRow(
            price: price, priceInclTax: priceInclTax, rowTotal: price * row.quantity,
            rowTotalInclTax: priceInclTax * row.quantity, rowTax: unitTax * row.quantity,
            discountTaxCompensation: compensation, taxPercent: row.rate)
    }

    private mutating func unitWithTaxNotInPrice(_ row: TaxableRow) -> TaxedRow {
        let price = MagentoRounding.round(row.unitPrice)
        let type = settings.applyTaxAfterDiscount ? Self.beforeDiscount : Self.regular
        let unitTaxBeforeDiscount = roundAmount(
            MagentoRounding.taxAmount(price, rate: row.rate, priceIncludesTax: false, round: false), rate: row.rate,
            direction: false, type: type, row: row)
        var unitTax = unitTaxBeforeDiscount
        if settings.applyTaxAfterDiscount {
            let taxable = max(price - row.discount / row.quantity, 0)
            unitTax = roundAmount(
                MagentoRounding.taxAmount(taxable, rate: row.rate, priceIncludesTax: false, round: false),
                rate: row.rate, direction: false, type: Self.regular, row: row)
        }
        let priceInclTax = price + unitTaxBeforeDiscount
        return TaxedRow(
            price: price, priceInclTax: priceInclTax, rowTotal: price * row.quantity,
            rowTotalInclTax: priceInclTax * row.quantity, rowTax: unitTax * row.quantity, discountTaxCompensation: 0,
            taxPercent: row.rate)
    }

    // MARK: AbstractAggregateCalculator (row and total base)

    private mutating func aggregateWithTaxInPrice(_ row: TaxableRow) -> TaxedRow {
        var priceInclTax = MagentoRounding.round(row.unitPrice)
        var rowTotalInclTax = priceInclTax * row.quantity
        if !isSameRateAsStore(row.rate, row.storeRate) {
            priceInclTax = self.priceInclTax(priceInclTax, storeRate: row.storeRate, customerRate: row.rate)
            rowTotalInclTax = priceInclTax * row.quantity
        }
        let rowTaxExact = MagentoRounding.taxAmount(rowTotalInclTax, rate: row.rate, priceIncludesTax: true, round: false)
        let type = settings.applyTaxAfterDiscount ? Self.beforeDiscount : Self.regular
        var rowTax = roundAmount(rowTaxExact, rate: row.rate, direction: true, type: type, row: row)
        let rowTotal = rowTotalInclTax - rowTax
        let price = MagentoRounding.round(rowTotal / row.quantity)
        var compensation: Decimal = 0
        if settings.applyTaxAfterDiscount {
            let taxable = max(rowTotalInclTax - row.discount, 0)
            let rowTaxAfterDiscount = roundAmount(
                MagentoRounding.taxAmount(taxable, rate: row.rate, priceIncludesTax: true, round: false),
                rate: row.rate, direction: true, type: Self.regular, row: row)
            compensation = rowTax - rowTaxAfterDiscount
            rowTax = rowTaxAfterDiscount
        }
        return TaxedRow(
            price: price, priceInclTax: priceInclTax, rowTotal: rowTotal, rowTotalInclTax: rowTotalInclTax,
            rowTax: rowTax, discountTaxCompensation: compensation, taxPercent: row.rate)
    }

    private mutating func aggregateWithTaxNotInPrice(_ row: TaxableRow) -> TaxedRow {
        let price = MagentoRounding.round(row.unitPrice)
        let rowTotal = price * row.quantity
        let type = settings.applyTaxAfterDiscount ? Self.beforeDiscount : Self.regular
        let rowTaxBeforeDiscount = roundAmount(
            MagentoRounding.taxAmount(rowTotal, rate: row.rate, priceIncludesTax: false, round: false), rate: row.rate,
            direction: false, type: type, row: row)
        var rowTax = rowTaxBeforeDiscount
        if settings.applyTaxAfterDiscount {
            let taxable = max(rowTotal - row.discount, 0)
            rowTax = roundAmount(
                MagentoRounding.taxAmount(taxable, rate: row.rate, priceIncludesTax: false, round: false),
                rate: row.rate, direction: false, type: Self.regular, row: row)
        }
        let rowTotalInclTax = rowTotal + rowTaxBeforeDiscount
        return TaxedRow(
            price: price, priceInclTax: MagentoRounding.round(rowTotalInclTax / row.quantity), rowTotal: rowTotal,
            rowTotalInclTax: rowTotalInclTax, rowTax: rowTax, discountTaxCompensation: 0, taxPercent: row.rate)
    }
}

/// The store settings that change an order's money (Stores > Configuration > Sales > Tax), as Magento 2.4 reads them.
public struct MagentoTaxSettings: Sendable, Hashable, CustomStringConvertible {
    /// `tax/calculation/algorithm`: where tax is rounded.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        /// `UNIT_BASE_CALCULATION`: tax rounded per unit, then times the quantity.
        case unit
        /// `ROW_BASE_CALCULATION`: tax rounded per row.
        case row
        /// `TOTAL_BASE_CALCULATION`: tax rounded per row with the rounding delta carried to the next row.
        case total
    }

    /// `tax/calculation/price_includes_tax`: catalogue prices include tax.
    public var catalogPricesIncludeTax: Bool
    /// `tax/calculation/shipping_includes_tax`: shipping prices include tax.
    public var shippingIncludesTax: Bool
    /// `tax/calculation/algorithm`.
    public var algorithm: Algorithm
    /// `tax/calculation/discount_tax`: percent discounts apply to prices including tax.
    public var discountOnPricesIncludingTax: Bool
    /// `tax/calculation/apply_after_discount`: tax is charged on the discounted price.
    public var applyTaxAfterDiscount: Bool
    /// `tax/calculation/cross_border_trade_enabled`: a gross price stays the same whatever the customer's rate.
    public var crossBorderTrade: Bool

    /// Creates settings; the defaults are a UK store pricing gross (the issue's reference shop).
    public init(
        catalogPricesIncludeTax: Bool = true, shippingIncludesTax: Bool = true, algorithm: Algorithm = .total,
        discountOnPricesIncludingTax: Bool = true, applyTaxAfterDiscount: Bool = true, crossBorderTrade: Bool = false
    ) {
        self.catalogPricesIncludeTax = catalogPricesIncludeTax
        self.shippingIncludesTax = shippingIncludesTax
        self.algorithm = algorithm
        self.discountOnPricesIncludingTax = discountOnPricesIncludingTax
        self.applyTaxAfterDiscount = applyTaxAfterDiscount
        self.crossBorderTrade = crossBorderTrade
    }

    /// Every combination of the settings (3 x 2^5 = 96), for property tests.
    public static let all: [MagentoTaxSettings] = Algorithm.allCases.flatMap { algorithm in
        (0..<32).map { bits in
            MagentoTaxSettings(
                catalogPricesIncludeTax: bits & 1 != 0, shippingIncludesTax: bits & 2 != 0, algorithm: algorithm,
                discountOnPricesIncludingTax: bits & 4 != 0, applyTaxAfterDiscount: bits & 8 != 0,
                crossBorderTrade: bits & 16 != 0)
        }
    }

    public var description: String {
        "prices \(catalogPricesIncludeTax ? "incl" : "excl"), shipping \(shippingIncludesTax ? "incl" : "excl"), "
            + "\(algorithm.rawValue) base, discount on \(discountOnPricesIncludingTax ? "incl" : "excl"), "
            + "tax \(applyTaxAfterDiscount ? "after" : "before") discount, cross-border trade "
            + (crossBorderTrade ? "on" : "off")
    }
}

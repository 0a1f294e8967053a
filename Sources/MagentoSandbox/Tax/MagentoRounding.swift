import Foundation

/// Magento's money arithmetic: `PriceCurrency::round` (PHP's `round($price, 2)`, halves away from zero) and
/// `Calculation::calcTaxAmount`, computed in exact decimals where PHP uses floats (PHP's pre-rounding makes its
/// halves land where the exact value's do).
enum MagentoRounding {
    /// `PriceCurrency::round`: two places, halves away from zero.
    static func round(_ value: Decimal) -> Decimal { value.rounded(places: 2) }

    /// `Calculation::calcTaxAmount($price, $rate, $priceIncludeTax, $round)`.
    ///
    /// Magento computes `price * (1 - 1 / (1 + rate/100))` for a gross price: the same as `price * rate / (100 +
    /// rate)`, which is exact in decimals for every rate the sandbox uses but 23 and 13.5 (38 digits there).
    static func taxAmount(_ price: Decimal, rate: Decimal, priceIncludesTax: Bool, round shouldRound: Bool) -> Decimal {
        let amount = priceIncludesTax ? price * rate / (100 + rate) : price * rate / 100
        return shouldRound ? round(amount) : amount
    }
}

/// `AbstractCalculator::deltaRound`: rounds an amount after adding what the previous rounding under the same key
/// left over, so that a run of rows sums to the rounded total of their exact amounts.
///
/// The key is the delta's type (regular, before discount) with the direction, and the rate: the unit and row
/// calculators add the item's code to the type (no delta crosses rows), the total calculator does not (the delta
/// is carried from row to row, shipping last).
struct DeltaRounder {
    private var deltas: [String: Decimal] = [:]

    /// `deltaRound($price, $rate, $direction, $type)`; a zero amount is returned as it is, leaving the delta alone.
    mutating func round(_ amount: Decimal, key: String) -> Decimal {
        guard amount != 0 else { return amount }
        // Magento starts every delta at 0.000001 so that an exact half rounds the same way on every platform.
        let price = amount + (deltas[key] ?? Decimal(string: "0.000001")!)
        let rounded = MagentoRounding.round(price)
        deltas[key] = price - rounded
        return rounded
    }
}

extension Decimal {
    /// This value rounded to `places` decimals, halves away from zero (`NSDecimalNumber.RoundingMode.plain`).
    func rounded(places: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, places, .plain)
        return result
    }
}

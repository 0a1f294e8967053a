public import Foundation

/// A Sage 50 sales order's money as Sage computes it from what ferry sends: per line, then summed.
///
/// Sage keeps each line's net and VAT in pennies. With `VatInclusive` false (net prices) the line's net is
/// `qty x (UnitPrice - UnitDiscountAmount)` rounded to pennies and its VAT the net times the tax code's rate,
/// rounded. With `VatInclusive` true (gross prices) that product is the line's gross, and the VAT is taken out of
/// it: `gross x rate / (100 + rate)`, rounded; the net is the rest. The document total is every line's net plus
/// VAT, carriage included. Rounding is to the nearest penny, halves away from zero.
///
/// This is the one place ferry states how Sage computes; the mapping builds lines for it and the pre-validation
/// refuses any order whose total here is not Magento's `grand_total` to the penny.
public struct SageDocumentTotal: Sendable, Hashable {
    /// One line's money, in the order's currency.
    public struct Line: Sendable, Hashable {
        /// The line's path in the sales order, e.g. `SalesOrderItems/Item[2]` or `Carriage`.
        public var path: String
        public var net: Decimal { _net.decimal }
        public var vat: Decimal { _vat.decimal }
        public var gross: Decimal { (_net + _vat).decimal }
        var _net: Amount
        var _vat: Amount
        var _gross: Amount { _net + _vat }
    }

    /// The item lines, then the carriage.
    public var lines: [Line]
    /// The document's total (net + VAT).
    public var total: Decimal { _total.decimal }
    var _total: Amount { lines.reduce(Amount.zero) { $0 + $1._gross } }
    /// The document's VAT.
    public var vat: Decimal { lines.reduce(Amount.zero) { $0 + $1._vat }.decimal }

    /// Computes `order` as Sage would, with each tax code's rate from `taxRates` (`"T1": 20`); a code without a
    /// rate counts as 0 %.
    public init(_ order: SalesOrder, taxRates: [String: Decimal]) {
        let rates = taxRates.mapValues(Amount.init)
        self.init(order, rate: { rates["T\($0)"] })
    }

    /// Computes `order` with `rate` giving each tax code's rate (nil: 0 %).
    init(_ order: SalesOrder, rate: (Int) -> Amount?) {
        let inclusive = order.vatInclusive == true
        func line(_ item: SalesOrderItem, _ path: String) -> Line {
            let amount = item.exactSageNet
            // No code: Sage's default T1 would apply; the mapping always sets one, so 0 here is only a fallback.
            let percent = item.taxCode.flatMap(rate) ?? .zero
            if inclusive {
                let vat = (amount * percent).divided(by: Amount(mantissa: 100, scale: 0) + percent, rounded: 2)
                return Line(path: path, _net: amount - vat, _vat: vat)
            }
            return Line(path: path, _net: amount, _vat: (amount * percent).divided(by: 100, rounded: 2))
        }
        var lines = order.items.enumerated().map { line($0.element, "SalesOrderItems/Item[\($0.offset + 1)]") }
        if let carriage = order.carriage { lines.append(line(carriage, "Carriage")) }
        self.lines = lines
    }
}

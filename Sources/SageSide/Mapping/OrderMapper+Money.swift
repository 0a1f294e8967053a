import Foundation

/// What one Sage line must carry: Magento's figures for the row (or the shipping), in the order's currency.
struct MoneyTarget: Sendable, Hashable {
    /// The line's path in the sales order, for errors.
    var path: String
    var sku: String
    var quantity: Amount
    /// What the customer paid for the row: `row_total + tax_amount + discount_tax_compensation_amount -
    /// discount_amount` (shipping: the same with the shipping fields). Its sum over the rows and shipping is
    /// Magento's `grand_total`.
    var gross: Amount
    /// Magento's VAT on the row (`tax_amount`).
    var vat: Amount
    /// Magento's rate (`tax_percent`; shipping: inferred).
    var percent: Amount
    /// The unit price to show: `price_incl_tax` (gross lines) or `price` (net lines), when known.
    var unitGross: Amount?
    var unitNet: Amount?
    /// The net Magento booked: the gross less Magento's VAT.
    var net: Amount { gross - vat }
}

/// Magento's money for one row or the shipping (``OrderMapper/lineMoney(of:rows:)``).
public struct MagentoLineMoney: Sendable, Hashable {
    /// The row's SKU (the shipping method for the shipping).
    public let sku: String
    public let quantity: Decimal
    /// What the customer paid for it, after discounts; the rows' and shipping's add up to `grand_total`.
    public let gross: Decimal
    /// Magento's VAT on it.
    public let vat: Decimal
    /// Magento's VAT rate (shipping: inferred from its tax).
    public let percent: Decimal
    /// The net Magento booked: the gross less Magento's VAT.
    public var net: Decimal { gross - vat }

    init(_ target: MoneyTarget) {
        sku = target.sku
        quantity = target.quantity.decimal
        gross = target.gross.decimal
        vat = target.vat.decimal
        percent = target.percent.decimal
    }
}

/// A VAT rate with no Sage tax code.
struct TaxCodeRefusal: Error, Sendable, Hashable {
    var message: String
}

/// The mapping's money, decided per order: the lines, whether they are gross, and why an order cannot be sent.
struct MoneyPlan: Sendable {
    var items: [SalesOrderItem]
    var carriage: SalesOrderItem?
    var vatInclusive: Bool
    var targets: [MoneyTarget]
    var violations: [Violation]
}

extension OrderMapper {
    /// The Sage lines of `rows` and the carriage, priced so that Sage's ``SageDocumentTotal`` is Magento's
    /// `grand_total`.
    ///
    /// Lines go gross (`VatInclusive`) or net per `linePrices`; with `auto`, net when Sage's VAT on every net
    /// line is Magento's VAT to the penny (then net, VAT and total all match Magento), else gross (then every
    /// line's gross, and so the total, matches; Sage splits out the VAT itself).
    func moneyPlan(_ order: MagentoOrder, rows: [MagentoOrderItem], destination: Destination) -> MoneyPlan {
        let (targets, carriageTarget) = moneyTargets(order, rows: rows)

        var violations: [Violation] = []
        let country = (order.shippingAddress?.countryId ?? order.billingAddress?.countryId ?? "").uppercased()
        var codes: [TaxCode] = []
        for target in targets + (carriageTarget.map { [$0] } ?? []) {
            if target.gross.rounded(2) != target.gross {
                violations.append(
                    Violation(
                        field: target.path, value: "\(target.sku): \(target.gross.amountText)",
                        limit: "Magento's row total has fractions of a penny (qty \(target.quantity.amountText)); "
                            + "Sage keeps pennies, so it cannot carry it: amend the order in Magento"))
            }
            if target.percent == .zero && target.vat != .zero {
                let carriage = target.path == "Carriage"
                violations.append(
                    Violation(
                        field: target.path, value: "\(target.sku): tax \(target.vat.amountText)",
                        limit: carriage
                            ? "Magento's shipping tax matches no rate in `taxCodes`: set `carriageTaxCode`"
                            : "Magento charged VAT but gives no tax_percent; download tax_percent with the items"))
            }
            if target.path == "Carriage", let configured = settings.carriageTaxCode.flatMap(TaxCode.init) {
                codes.append(configured)
                continue
            }
            switch taxCode(percent: target.percent, country: country, destination: destination) {
            case .success(let code):
                codes.append(code)
                let rate = taxRate(code)
                if rate != target.percent {
                    violations.append(
                        Violation(
                            field: target.path,
                            value: "\(target.sku): VAT rate \(target.percent.amountText) % (\(country)) -> \(code)",
                            limit: "\(code) is \(rate?.amountText ?? "not") % in `taxRates`: map the rate to a code "
                                + "of that rate in `taxCodes`, or set the code's rate in `taxRates`"))
                }
            case .failure(let refusal):
                codes.append(TaxCode(number: 1))
                violations.append(Violation(field: target.path, value: target.sku, limit: refusal.message))
            }
        }

        let all = targets + (carriageTarget.map { [$0] } ?? [])
        let inclusive: Bool
        switch settings.linePrices {
        case "gross": inclusive = true
        case "net": inclusive = false
        default:
            // Net only when Sage's VAT on every net line is Magento's: then net, VAT and total all agree.
            inclusive = !zip(all, codes).allSatisfy { target, code in
                let rate = taxRate(code) ?? .zero
                return (target.net * rate).divided(by: 100, rounded: 2) == target.vat
                    && Self.sageLine(quantity: target.quantity, amount: target.net, unit: target.unitNet) != nil
            }
        }

        var lines: [SalesOrderItem] = []
        for (index, target) in all.enumerated() {
            let amount = inclusive ? target.gross : target.net
            let unit = inclusive ? target.unitGross : target.unitNet
            guard let (price, discount) = Self.sageLine(quantity: target.quantity, amount: amount, unit: unit) else {
                // A row with fractions of a penny is refused above already.
                if target.gross.rounded(2) == target.gross { violations.append(
                    Violation(
                        field: target.path, value: "\(target.sku): \(amount.amountText)",
                        limit: "no unit price to 4 places times qty \(target.quantity.amountText) makes the row; "
                            + "split the line in Magento or ask for a 6-place unit price")) }
                lines.append(
                    SalesOrderItem(
                        sku: target.sku, name: nil, qtyOrdered: target.quantity, unitPrice: .zero,
                        unitDiscountAmount: nil, taxCode: codes[index].number, nominalCode: nil))
                continue
            }
            lines.append(
                SalesOrderItem(
                    sku: target.sku, name: nil, qtyOrdered: target.quantity, unitPrice: price,
                    unitDiscountAmount: discount, taxCode: codes[index].number, nominalCode: nil))
        }
        let carriage = carriageTarget != nil ? lines.removeLast() : nil
        return MoneyPlan(
            items: lines, carriage: carriage, vatInclusive: inclusive, targets: all, violations: violations)
    }

    /// Magento's figures for each of `rows` and for the shipping (nil when the order has none).
    func moneyTargets(_ order: MagentoOrder, rows: [MagentoOrderItem]) -> (items: [MoneyTarget], carriage: MoneyTarget?) {
        var targets: [MoneyTarget] = []
        for (index, item) in rows.enumerated() {
            targets.append(
                MoneyTarget(
                    path: "SalesOrderItems/Item[\(index + 1)]", sku: item.sku, quantity: item._qtyOrdered,
                    gross: item._rowTotal + item._taxAmount + item._discountTaxCompensationAmount
                        - item._discountAmount.magnitude,
                    vat: item._taxAmount, percent: item._taxPercent,
                    unitGross: item._priceInclTax, unitNet: item._price))
        }
        var carriageTarget: MoneyTarget?
        if order.shippingMethod.nonEmpty != nil || order._shippingAmount != .zero {
            let gross = order._shippingAmount + order._shippingTaxAmount + order._shippingDiscountTaxCompensationAmount
                - order._shippingDiscountAmount.magnitude
            carriageTarget = MoneyTarget(
                path: "Carriage", sku: order.shippingMethod.nonEmpty ?? "CARRIAGE", quantity: 1, gross: gross,
                vat: order._shippingTaxAmount, percent: shippingPercent(order, rows: rows), unitGross: nil,
                unitNet: nil)
        }
        return (targets, carriageTarget)
    }

    /// Magento's money for each of `rows` and for the shipping, the figures the Sage 50 mapping reconciles: for
    /// other Sage connectors (Sage 200) that must reach `grand_total` from the same rows.
    public func lineMoney(of order: MagentoOrder, rows: [MagentoOrderItem]) -> (items: [MagentoLineMoney], carriage: MagentoLineMoney?) {
        let (items, carriage) = moneyTargets(order, rows: rows)
        return (items.map(MagentoLineMoney.init), carriage.map(MagentoLineMoney.init))
    }

    /// A unit price and unit discount (4 places, Sage's unit precision as ferry uses it) whose
    /// `qty x (price - discount)`, rounded to pennies, is `amount`; the list price `unit` is kept when it can be.
    static func sageLine(quantity: Amount, amount: Amount, unit: Amount?) -> (Amount, Amount?)? {
        func makes(_ price: Amount, _ discount: Amount) -> Bool {
            (quantity * (price - discount)).rounded(2) == amount
        }
        guard quantity > .zero else { return amount == .zero ? (unit ?? .zero, nil) : nil }
        if let unit, unit >= .zero {
            if makes(unit, .zero) { return (unit, nil) }
            let discount = (quantity * unit - amount).divided(by: quantity, rounded: 4)
            if discount > .zero && makes(unit, discount) { return (unit, discount) }
        }
        let price = amount.divided(by: quantity, rounded: 4)
        return makes(price, .zero) ? (price, nil) : nil
    }

    /// The rate Magento charged on shipping, which it does not store: the rate, among the order's item rates and
    /// the configured ones, whose VAT on the shipping's net is Magento's shipping tax.
    func shippingPercent(_ order: MagentoOrder, rows: [MagentoOrderItem]) -> Amount {
        let tax = order._shippingTaxAmount
        guard tax != .zero else { return .zero }
        // Net of the discount, as Magento taxed it (tax after discount), and before it (tax before discount).
        let net = order._shippingAmount + order._shippingDiscountTaxCompensationAmount
            - order._shippingDiscountAmount.magnitude
        var candidates = rows.map(\._taxPercent) + knownRates
        candidates.sort { $0 > $1 }
        for base in [net, order._shippingAmount] {
            // The nearest first: a rate whose VAT on `base` is within a penny of Magento's (Magento's delta
            // rounding can move it by one).
            let scored = candidates.map { rate in (rate, ((base * rate).divided(by: 100, rounded: 2) - tax).magnitude) }
            if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= Amount(mantissa: 1, scale: 2) { return best.0 }
        }
        // A rate with no code: the one implied, to the nearest half percent, so that the refusal names it.
        let base = order._shippingAmount
        guard base > .zero else { return .zero }
        return (tax * 200).divided(by: base, rounded: 0).divided(by: 2, rounded: 1)
    }
}

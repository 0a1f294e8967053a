import Foundation
import SageSide

/// The lines of a Sage 200 sales order for one Magento order, priced so that Sage's total is Magento's
/// `grand_total` to the penny, gross-priced (VAT-inclusive) shops included (pure: no I/O).
///
/// Sage 200 takes a net unit price (5 decimals) per line; a line's net is quantity x price rounded to the penny,
/// and its VAT is read-only: "the VAT on the sales order is calculated using the total net amount entered for goods
/// at each VAT rate" (Sage 200 help, Sales Order Processing, "How VAT is calculated on sales orders",
/// http://desktophelp.sage.co.uk/sage200/professional/content/sop/How%20VAT%20is%20calculated%20on%20sales%20orders.htm),
/// rounded to the nearest penny. So for each tax code the order needs the net N with N + round(N x rate) equal to
/// what the customer paid at that code (there is at most one: that sum rises by at least a penny per penny of N).
/// Magento's net is that N for most net-priced orders; otherwise (a gross-priced shop's VAT taken out of each row,
/// per-row rounding, tax before discount) the code's net moves to N, one line carrying the pennies, and Sage's VAT
/// is its own on that net. For about one gross total in six at 20 % there is no such N (N + round(N/5) steps over
/// it); the code then takes the N a penny short and a free-text rounding line of 0.01 at `roundingTaxCode` (a 0 %
/// code) makes up the total. Nothing is hidden in a tolerance: an order whose rows do not add up to
/// `grand_total`, or whose `grand_total` has fractions of a penny, is refused with the figures.
struct Sage200LinePricing {
    /// What a line is.
    enum Kind {
        /// A Magento row (``OrderMapper/rows(of:)``): a stock or free-text line.
        case item(SageSide.MagentoOrderItem)
        /// The shipping: a charge line (no quantity).
        case carriage
        /// The penny a gross total no net reaches: a free-text line at `roundingTaxCode`.
        case rounding
    }

    /// One Sage line, priced.
    struct Line {
        var kind: Kind
        var quantity: Decimal
        /// Net: what Sage computes as quantity x ``unitPrice`` rounded to the penny.
        var net: Decimal
        var taxCodeId: Int
        /// Magento's figures (zero for the rounding line).
        var gross: Decimal
        var rate: Decimal
        /// Sage's selling unit price, 5 decimals.
        var unitPrice: Decimal { Self.unitPrice(net: net, quantity: quantity) ?? net }

        /// The 5-decimal unit price whose quantity times it, rounded to the penny, is `net`; nil when none is.
        static func unitPrice(net: Decimal, quantity: Decimal) -> Decimal? {
            guard quantity > 0 else { return nil }
            let price = round(net / quantity, 5)
            return round(price * quantity, 2) == net ? price : nil
        }
    }

    /// Sage tax codes by user code: record id and rate.
    typealias TaxCodes = [Int: (id: Int, rate: Decimal)]

    let settings: Sage200OrderSettings
    let taxCodes: TaxCodes
    /// The Sage 50 mapping's rows and money (one reading of a Magento order for both Sages), by delivery country.
    private let mappers: [String: OrderMapper]

    init(settings: Sage200OrderSettings, taxCodes: TaxCodes) {
        self.settings = settings
        self.taxCodes = taxCodes
        // Magento does not store shipping's rate: the mapping infers it among the order's rates and the mapped ones,
        // so the rates mapped for the order's country are offered (its reduced-rate rows ship at its standard rate).
        let countries = Set(settings.taxCodes.keys.compactMap { OrderMappingSettings.taxRateKey($0)?.country })
        var mappers: [String: OrderMapper] = [:]
        for country in countries.union([""]) {
            var mapping = OrderMappingSettings()
            for (key, code) in settings.taxCodes where [country, ""].contains(OrderMappingSettings.taxRateKey(key)?.country) {
                mapping.taxCodes[key] = "T\(code)"
            }
            mappers[country] = OrderMapper(settings: mapping)
        }
        self.mappers = mappers
    }

    /// The priced lines of `order`, or why Sage 200 cannot hold it to the penny.
    func lines(of order: SageSide.MagentoOrder) -> Result<[Line], Reason> {
        let country = (order.shippingAddress?.countryId ?? order.billingAddress?.countryId ?? "").uppercased()
        let mapper = mappers[country] ?? mappers[""]!  // "" is always built: the rates for every country
        let rows = mapper.rows(of: order)
        let money = mapper.lineMoney(of: order, rows: rows)
        var lines: [Line] = []
        for (row, figures) in zip(rows, money.items) where row.qtyOrdered > 0 {
            switch line(.item(row), figures, country: country, what: "SKU \(row.sku)") {
            case .success(let line): lines.append(line)
            case .failure(let reason): return .failure(reason)
            }
        }
        if let figures = money.carriage, figures.gross != 0 || figures.vat != 0 {
            switch line(.carriage, figures, country: country, what: "carriage") {
            case .success(let line): lines.append(line)
            case .failure(let reason): return .failure(reason)
            }
        }
        guard !lines.isEmpty else { return .failure(Reason("the order has no lines Sage 200 can take")) }
        guard Self.round(order.grandTotal, 2) == order.grandTotal else {
            return .failure(Reason(
                "Magento's grand_total \(order.grandTotal) has fractions of a penny (unit-base tax on a decimal quantity); "
                    + "no Sage order can total it: amend the order in Sage by hand"))
        }
        let paid = lines.reduce(Decimal(0)) { $0 + $1.gross }
        guard paid == order.grandTotal else {
            return .failure(Reason(
                "the rows and shipping add up to \(paid) but Magento's grand_total is \(order.grandTotal) (difference "
                    + "\(order.grandTotal - paid)): something outside the rows (a fee, a gift card) is in it; amend the order in Sage by hand"))
        }
        // Sage nets are pennies: a row with fractions of one (unit-base tax on a decimal quantity) starts at the
        // nearest, and each code's gross is whole pennies adding up to grand_total.
        for index in lines.indices { lines[index].net = Self.round(lines[index].net, 2) }
        let ids = Self.uniqued(lines.map(\.taxCodeId))
        let targets = Self.pennies(ids.map { id in lines.filter { $0.taxCodeId == id }.reduce(Decimal(0)) { $0 + $1.gross } })
        var rounding = Decimal(0)
        for (id, gross) in zip(ids, targets) {
            let members = lines.indices.filter { lines[$0].taxCodeId == id }
            let net = members.reduce(Decimal(0)) { $0 + lines[$1].net }
            let rate = lines[members[0]].rate
            guard let (chosen, short) = Self.net(making: gross, rate: rate) else {
                return .failure(Reason("no net at \(rate) % makes Magento's \(gross) in Sage 200; amend the order in Sage by hand"))
            }
            rounding += short
            guard move(chosen - net, within: members, of: &lines) else {
                return .failure(Reason(
                    "no line at \(rate) % can carry the \(chosen - net) that makes Sage's VAT give Magento's \(gross); amend the order in Sage by hand"))
            }
        }
        for line in lines where Line.unitPrice(net: line.net, quantity: line.quantity) == nil {
            let what = if case .item(let row) = line.kind { "SKU \(row.sku)" } else { "carriage" }
            return .failure(Reason("\(what): net row \(line.net) is not \(line.quantity) x a price Sage can hold (5 decimals)"))
        }
        if rounding != 0 {
            guard let code = taxCodes[settings.roundingTaxCode], code.rate == 0 else {
                return .failure(Reason(
                    "the order needs a rounding line of \(rounding) at a 0 % tax code and Sage 200's tax code "
                        + "\(settings.roundingTaxCode) (settings.roundingTaxCode) \(taxCodes[settings.roundingTaxCode] == nil ? "does not exist" : "is not 0 %")"))
            }
            lines.append(Line(kind: .rounding, quantity: 1, net: rounding, taxCodeId: code.id, gross: rounding, rate: 0))
        }
        return .success(lines)
    }

    /// A line with Magento's figures and its Sage tax code, or why it has none.
    private func line(_ kind: Kind, _ figures: MagentoLineMoney, country: String, what: String) -> Result<Line, Reason> {
        guard figures.percent != 0 || figures.vat == 0 else {
            return .failure(Reason("\(what): Magento charged VAT \(figures.vat) at no tax_percent; download tax_percent with the items"))
        }
        guard let code = settings.taxCode(percent: figures.percent, country: country) else {
            return .failure(Reason(settings.missingTaxCode(percent: figures.percent, country: country, what: what)))
        }
        guard let record = taxCodes[code] else {
            return .failure(Reason("\(what): Sage 200 has no tax code \(code) (settings.taxCodes): add it in Sage or map the rate to one it has"))
        }
        guard record.rate == figures.percent else {
            return .failure(Reason(
                "\(what): Sage 200's tax code \(code) is \(record.rate) % but Magento charged \(figures.percent) % "
                    + "(\(country.isEmpty ? "no country" : country)): map the rate in settings.taxCodes to a code of that rate"))
        }
        let quantity = if case .carriage = kind { Decimal(1) } else { figures.quantity }
        return .success(Line(kind: kind, quantity: quantity, net: figures.net, taxCodeId: record.id, gross: figures.gross, rate: record.rate))
    }

    /// The net whose Sage total, net + round(net x rate), is `gross` (short 0): there is at most one, as that total
    /// rises by at least a penny with every penny of net; when there is none, the net whose total is a penny less
    /// (short 0.01, for the rounding line).
    static func net(making gross: Decimal, rate: Decimal) -> (Decimal, short: Decimal)? {
        let penny = Decimal(string: "0.01")!
        let estimate = round(gross * 100 / (100 + rate), 2)
        for target in [gross, gross - penny] {
            for step in 0...6 {
                let candidate = estimate + Decimal((step + 1) / 2) * (step % 2 == 0 ? penny : -penny)
                if candidate + round(candidate * rate / 100, 2) == target { return (candidate, gross - target) }
            }
        }
        return nil
    }

    /// `amounts` in whole pennies with the same total (a whole number of pennies): each rounded down, the pennies
    /// left over going to the largest remainders.
    static func pennies(_ amounts: [Decimal]) -> [Decimal] {
        var result = amounts.map { value in
            var input = value
            var down = Decimal()
            NSDecimalRound(&down, &input, 2, .down)
            return down
        }
        var left = amounts.reduce(Decimal(0), +) - result.reduce(Decimal(0), +)
        let penny = Decimal(string: "0.01")!
        for index in amounts.indices.sorted(by: { amounts[$0] - result[$0] > amounts[$1] - result[$1] }) where left >= penny {
            result[index] += penny
            left -= penny
        }
        return result
    }

    /// Adds `delta` to the net of one of `members` that can carry it (the largest first), keeping its price
    /// representable; false when none can.
    private func move(_ delta: Decimal, within members: [Int], of lines: inout [Line]) -> Bool {
        guard delta != 0 else { return true }
        for index in members.sorted(by: { abs(lines[$0].net) > abs(lines[$1].net) }) {
            let moved = lines[index].net + delta
            if moved >= 0, Line.unitPrice(net: moved, quantity: lines[index].quantity) != nil {
                lines[index].net = moved
                return true
            }
        }
        return false
    }

    private static func uniqued(_ ids: [Int]) -> [Int] {
        var seen = Set<Int>()
        return ids.filter { seen.insert($0).inserted }
    }

    /// Half away from zero, as Sage rounds to the penny.
    static func round(_ value: Decimal, _ places: Int) -> Decimal {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, places, .plain)
        return result
    }
}

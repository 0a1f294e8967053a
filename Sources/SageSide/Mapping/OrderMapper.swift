import FerryValues
public import Foundation

/// Where an order goes, for VAT: decides the tax code of every line and of the carriage.
public enum Destination: String, Sendable, Hashable, CaseIterable {
    /// Home country (GB): rate map, then `taxCodes.uk`.
    case uk
    /// EU consumer: rate map, then `taxCodes.eu`.
    case eu
    /// EU business with a VAT number: `taxCodes.euVatRegistered` (T4).
    case euVatRegistered
    /// Everywhere else: `taxCodes.restOfWorld` (T0).
    case restOfWorld
}

/// The result of mapping one Magento order.
public struct MappedOrder: Sendable, Hashable {
    /// The sales order for the Sage-side job.
    public var salesOrder: SalesOrder
    /// The VAT destination the tax codes came from.
    public var destination: Destination
    /// The customer's VAT number (`customer_taxvat`, else the invoice's or the delivery's `vat_id`): the order is
    /// preceded by a ``SageCustomer`` record carrying it to the account.
    public var vatNumber: String?
    /// Magento's figures per line and for the carriage, in the sales order's line order.
    var targets: [MoneyTarget] = []
    /// Reasons found while mapping that the order cannot reach Sage to the penny (an unmapped VAT rate, a row
    /// Sage cannot carry); the pre-validation refuses the order with them.
    var violations: [Violation] = []
    /// Magento's grand total, which Sage's totals must reconcile with.
    public var grandTotal: Decimal {
        get { _grandTotal.decimal }
        set { _grandTotal = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _grandTotal: Amount

    init(salesOrder: SalesOrder, destination: Destination, grandTotal: Amount) {
        self.salesOrder = salesOrder
        self.destination = destination
        self._grandTotal = grandTotal
    }
}

/// A Magento order that cannot be mapped at all (a missing or malformed field), named with its field and line.
public struct OrderMappingError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The order's increment id (or entity id when that is missing).
    public var order: String
    /// The field at fault.
    public var field: String
    /// What is wrong and what to do.
    public var message: String

    public var description: String { "order \(order): \(field) \(message)" }
}

/// Mapping 1: a Magento order to a Zynk sales order (pure: no I/O, no state).
public struct OrderMapper: Sendable {
    /// The mapping's settings.
    public let settings: OrderMappingSettings
    private let timeZone: TimeZone
    /// Tax codes by rate, per country ("" for every country): `rateCodes` and the rate keys of `taxCodes`.
    private let rateCodes: [String: [Amount: TaxCode]]
    /// Every rate with a code, for inferring shipping's rate.
    let knownRates: [Amount]
    /// `settings.taxRates["T<n>"]` for n in 0...99, looked up once.
    private let taxRatesByCode: [Amount?]
    private let home: Set<String>
    private let eu: Set<String>
    /// `taxCodes[destination]`, else T1: parsed once, not per line.
    private let fallbackCodes: [Destination: TaxCode]
    /// ``OrderMappingSettings/stockCodes`` by lower-cased SKU.
    private let stockCodes: [String: String]
    /// Made once: a Calendar per order was 5 % of the mapping's time.
    private let utcCalendar: Calendar
    private let localCalendar: Calendar
    /// The store's zone's offsets, read once: most dates need no Calendar at all.
    private let clock: ZoneClock

    /// Creates a mapper; the settings are assumed validated (``OrderMappingSettings/validate()``).
    public init(settings: OrderMappingSettings) {
        self.settings = settings
        self.timeZone = TimeZone(identifier: settings.timezone) ?? TimeZone(identifier: "Europe/London")!
        var codes: [String: [Amount: TaxCode]] = [:]
        for (key, code) in settings.rateCodes.merging(settings.taxCodes, uniquingKeysWith: { _, new in new }) {
            guard let (country, rate) = OrderMappingSettings.rateKey(key), let code = TaxCode(code) else { continue }
            codes[country, default: [:]][rate] = code
        }
        self.rateCodes = codes
        self.knownRates = Array(Set(codes.values.flatMap(\.keys)))
        self.taxRatesByCode = (0...99).map { settings.taxRates["T\($0)"].map(Amount.init) }
        self.home = Set(settings.homeCountries.map { $0.uppercased() })
        self.eu = Set(settings.euCountries.map { $0.uppercased() })
        var fallbacks: [Destination: TaxCode] = [:]
        for destination in Destination.allCases {
            fallbacks[destination] = TaxCode(settings.taxCodes[destination.rawValue] ?? "") ?? TaxCode(number: 1)
        }
        self.fallbackCodes = fallbacks
        self.stockCodes = Dictionary(
            settings.stockCodes.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        self.utcCalendar = utc
        self.localCalendar = Self.calendar(in: timeZone)
        self.clock = ZoneClock.of(timeZone)
    }

    /// Maps one order.
    ///
    /// - Throws: ``OrderMappingError`` when a field the mapping needs is missing or malformed (the date).
    public func map(_ order: MagentoOrder) throws -> MappedOrder {
        let destination = destination(of: order)
        var sales = SalesOrder(id: order.entityId)
        let registered = !order.isGuest && !(order.customerId ?? "").isEmpty
        sales.customerId = registered ? order.customerId : nil
        sales.customerOrderNumber = order.incrementId
        if settings.incrementIdAsOrderNumber { sales.salesOrderNumber = order.incrementId }
        sales.currency = order.currency
        sales.accountReference = accountReference(for: order, registered: registered)
        let vatNumber = Self.vatNumber(of: order)
        // A VAT number belongs to one business: it is never stamped on an account every guest shares, so such an
        // order goes to the account the Sage job finds by e-mail or creates from its customer record.
        if vatNumber != nil, let account = sales.accountReference, isSharedAccount(account) {
            sales.accountReference = nil
        }
        sales.salesOrderDate = try sageDate(order.createdAt, order: order)
        if let text = SageNotes.text(of: order) {
            // Split at Sage's 60 characters; the rest stays in Notes3 for the pre-validation to cut and record.
            let pieces = SageNotes.split(text)
            sales.notes1 = pieces.first
            sales.notes2 = pieces.count > 1 ? pieces[1] : nil
            sales.notes3 = pieces.count > 2 ? pieces[2...].joined() : nil
        }

        let billing = order.billingAddress ?? order.shippingAddress
        let shipping = order.shippingAddress ?? order.billingAddress
        sales.invoiceAddress = billing.map { contact($0, email: order.customerEmail) }
        sales.deliveryAddress = shipping.map { contact($0, email: order.customerEmail) }
        let rows = rows(of: order)
        let plan = moneyPlan(order, rows: rows, destination: destination)
        sales.vatInclusive = plan.vatInclusive ? true : nil
        sales.items = zip(rows, plan.items).map { item, line in
            var line = line
            line.sku = stockCodes[item.sku.lowercased()] ?? (settings.uppercaseSkus ? item.sku.uppercased() : item.sku)
            line.name = Optional(item.name).nonEmpty
            line.nominalCode = settings.itemNominalCode
            return line
        }
        sales.carriage = plan.carriage.map { line in
            var line = line
            line.name = order.shippingDescription.nonEmpty
            line.nominalCode = settings.carriageNominalCode
            return line
        }
        sales.takenBy = settings.takenBy
        // The payment is what the customer paid: Magento's grand total, which Sage's total equals.
        if settings.includePayment, let payment = order.payment, order._grandTotal > .zero {
            sales.paymentRef = payment.method
            sales._paymentAmount = order._grandTotal
            sales.bankAccount = settings.bankAccount
            sales.paymentType = settings.paymentType
        }
        var mapped = MappedOrder(salesOrder: sales, destination: destination, grandTotal: order._grandTotal)
        mapped.targets = plan.targets
        mapped.violations = plan.violations
        mapped.vatNumber = vatNumber
        if let vatNumber, vatNumber.count > SageCustomer.vatNumberLimit || !vatNumber.allSatisfy(\.isASCII) {
            mapped.violations.append(
                Violation(
                    field: "Customer/VatNumber", value: vatNumber,
                    limit: "at most \(SageCustomer.vatNumberLimit) ASCII characters (the account's VAT registration number)"))
        }
        return mapped
    }

    // MARK: Customer and addresses

    func accountReference(for order: MagentoOrder, registered: Bool) -> String? {
        if registered {
            if let id = order.customerId, let account = settings.customerAccounts[id] { return account }
            if let email = order.customerEmail?.lowercased(),
                let account = settings.customerAccounts.first(where: { $0.key.lowercased() == email })?.value
            {
                return account
            }
            if settings.unmappedCustomers == "autoCreate" { return nil }
        }
        return settings.guestAccountByCurrency[order.currency] ?? settings.guestAccountReference
    }

    /// The web accounts many customers share (``OrderMappingSettings/guestAccountReference``, the per-currency ones).
    func isSharedAccount(_ account: String) -> Bool {
        account == settings.guestAccountReference || settings.guestAccountByCurrency.values.contains(account)
    }

    /// The customer's VAT number: `customer_taxvat`, else the invoice address's `vat_id`, else the delivery's.
    static func vatNumber(of order: MagentoOrder) -> String? {
        order.customerTaxvat.nonEmpty ?? order.billingAddress?.vatId.nonEmpty ?? order.shippingAddress?.vatId.nonEmpty
    }

    func contact(_ address: MagentoAddress, email: String?) -> SalesOrderContact {
        let street = address.street.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        return SalesOrderContact(
            forename: address.firstname.nonEmpty, surname: address.lastname.nonEmpty,
            company: address.company.nonEmpty, address1: street.first,
            address2: street.count > 1 ? street.dropFirst().joined(separator: ", ") : nil,
            town: address.city.nonEmpty, postcode: address.postcode.nonEmpty, county: address.region.nonEmpty,
            country: address.countryId.nonEmpty, telephone: address.telephone.nonEmpty, fax: address.fax.nonEmpty,
            email: email.nonEmpty)
    }

    // MARK: Dates

    /// Magento's UTC "YYYY-MM-DD HH:MM:SS" as Sage's local `YYYY-MM-DDTHH:MM:SS` in the configured zone.
    func sageDate(_ text: String, order: MagentoOrder) throws -> String {
        if let local = clock.sageText(fromUTC: text) { return local }
        let parts = text.prefix(19).split(whereSeparator: { "- :T".contains($0) }).compactMap { Int($0) }
        guard parts.count == 6,
            let date = utcCalendar.date(
                from: DateComponents(
                    year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4],
                    second: parts[5]))
        else {
            throw OrderMappingError(
                order: order.incrementId, field: "created_at",
                message: "is '\(text)', expected 'YYYY-MM-DD HH:MM:SS' (UTC); fix the download or the file")
        }
        return Self.sageDateText(date, calendar: localCalendar)
    }

    /// Formats a date as Sage's `YYYY-MM-DDTHH:MM:SS` in `timeZone`.
    public static func sageDateText(_ date: Date, timeZone: TimeZone) -> String {
        sageDateText(date, calendar: calendar(in: timeZone))
    }

    /// A Gregorian calendar in `timeZone`.
    static func calendar(in timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Formats a date as Sage's `YYYY-MM-DDTHH:MM:SS` with `calendar` (Gregorian, in the wanted zone).
    static func sageDateText(_ date: Date, calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(zeroPadded: value ?? 0, width: 2) }
        return "\(String(zeroPadded: c.year ?? 1, width: 4))-\(two(c.month))-\(two(c.day))"
            + "T\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    // MARK: Tax

    func destination(of order: MagentoOrder) -> Destination {
        let country = (order.shippingAddress?.countryId ?? order.billingAddress?.countryId ?? "").uppercased()
        if country.isEmpty || home.contains(country) { return .uk }
        guard eu.contains(country) else { return .restOfWorld }
        return Self.vatNumber(of: order) != nil ? .euVatRegistered : .eu
    }

    /// The tax code of a line Magento taxed at `percent`, delivered to `country` (`destination`).
    ///
    /// Untaxed lines to VAT-registered EU businesses and to the rest of the world take their destination's code
    /// (`taxCodes.euVatRegistered`, `taxCodes.restOfWorld`); every other line the code of its rate in the country
    /// (`taxCodes["IE:23"]`), else of its rate (`taxCodes["20"]`, or `rateCodes`). A rate with no code is refused:
    /// falling back to the standard code would book the wrong VAT.
    func taxCode(percent: Amount, country: String, destination: Destination) -> Result<TaxCode, TaxCodeRefusal> {
        if percent == .zero, destination == .euVatRegistered || destination == .restOfWorld,
            let code = fallbackCodes[destination]
        {
            return .success(code)
        }
        if let code = rateCodes[country]?[percent] ?? rateCodes[""]?[percent] { return .success(code) }
        return .failure(
            TaxCodeRefusal(
                message: "VAT rate \(percent.amountText) % (\(country.isEmpty ? "no country" : country)) has no Sage "
                    + "tax code: add it to `taxCodes`, e.g. \"\(country.isEmpty ? "" : country + ":")\(percent.amountText)\": \"T<n>\""))
    }

    /// The rate of a tax code in `taxRates`, nil when it has none.
    func taxRate(_ code: TaxCode) -> Amount? {
        (0...99).contains(code.number) ? taxRatesByCode[code.number] : nil
    }

    // MARK: Lines

    /// The Magento rows that become Sage lines: configurables as their parent row named by the variant, bundles
    /// as their parts or as the bundle line (``OrderMappingSettings/bundles``; fixed-price bundles always as the
    /// bundle).
    public func rows(of order: MagentoOrder) -> [MagentoOrderItem] {
        let byId = Dictionary(order.items.map { ($0.itemId, $0) }, uniquingKeysWith: { first, _ in first })
        var childrenOf: [String: [MagentoOrderItem]] = [:]
        for item in order.items {
            if let parent = item.parentItemId.nonEmpty { childrenOf[parent, default: []].append(item) }
        }
        var result: [MagentoOrderItem] = []
        for item in order.items {
            if let parentId = item.parentItemId.nonEmpty, let parent = byId[parentId] {
                switch parent.productType {
                case "configurable": continue  // merged into the parent's line below
                case "bundle" where settings.bundles == "bundle" || isFixedPriceBundle(parent, childrenOf[parentId] ?? []): continue
                default: result.append(item)
                }
                continue
            }
            let children = childrenOf[item.itemId] ?? []
            switch item.productType {
            case "configurable":
                // Magento prices the parent row; the child row names the variant Sage stocks.
                var merged = item
                if let child = children.first {
                    merged.sku = child.sku
                    merged.name = child.name
                }
                result.append(merged)
            case "bundle" where settings.bundles == "children" && !children.isEmpty && !isFixedPriceBundle(item, children):
                continue
            default:
                result.append(item)
            }
        }
        return result
    }

    /// A fixed-price bundle prices only its parent row; its children come at 0 (Magento issue 38687). Its
    /// children as Sage lines would lose the price, so it is always sent as the bundle line.
    func isFixedPriceBundle(_ bundle: MagentoOrderItem, _ children: [MagentoOrderItem]) -> Bool {
        bundle._rowTotal != .zero && !children.isEmpty
            && children.allSatisfy { $0._rowTotal == .zero && $0._price == .zero }
    }

    // MARK: Totals

    /// The order total Sage 50 will compute (``SageDocumentTotal``).
    public func predictedSageTotal(_ order: SalesOrder) -> Decimal {
        exactPredictedSageTotal(order).decimal
    }

    /// ``predictedSageTotal(_:)`` as the pre-validation computes with it.
    func exactPredictedSageTotal(_ order: SalesOrder) -> Amount {
        sageDocumentTotal(order)._total
    }

    /// `order` as Sage computes it, with this mapping's tax rates.
    func sageDocumentTotal(_ order: SalesOrder) -> SageDocumentTotal {
        SageDocumentTotal(order, rate: { (0...99).contains($0) ? taxRatesByCode[$0] : nil })
    }
}

extension Optional where Wrapped == String {
    /// The string unless nil or blank: Magento writes empty elements for absent values.
    var nonEmpty: String? {
        guard let value = self?.trimmingWhitespaceAndNewlines(), !value.isEmpty else { return nil }
        return value
    }
}

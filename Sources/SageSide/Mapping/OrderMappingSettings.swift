public import Foundation

/// Settings of the `magento-orders-to-sage-orders` mapping (the stage's `settings` object).
///
/// Every key is optional; the defaults reproduce Zynk's template (WEBSALES, bank 1200, T1) plus what users of
/// the peers ask for. Unknown keys are rejected by the task.
public struct OrderMappingSettings: Sendable, Codable, Hashable {
    /// Account for guest orders (and registered customers without a mapped account, see ``unmappedCustomers``).
    public var guestAccountReference: String = "WEBSALES"
    /// Per-currency web accounts, e.g. `{"EUR": "WEBEUR"}`: Sage accounts have one currency.
    public var guestAccountByCurrency: [String: String] = [:]
    /// Registered customers' Sage accounts, keyed by Magento customer id or e-mail address.
    public var customerAccounts: [String: String] = [:]
    /// Registered customers not in ``customerAccounts``: `webAccount` (the guest account) or `autoCreate`
    /// (no AccountReference: the Sage job finds or creates the account from the address).
    public var unmappedCustomers: String = "webAccount"
    /// Bundles: `children` (one line per component, the bundle row dropped) or `bundle` (the bundle line only).
    public var bundles: String = "children"
    /// Sage tax codes. Keys `euVatRegistered` and `restOfWorld`: the code of untaxed lines to those destinations
    /// (T4, T0); `uk` and `eu`: kept for older configurations (rates decide UK and EU lines). A rate (`"20"`) or a
    /// country and rate (`"IE:23"`) maps Magento's `tax_percent` to a code; the country's entry wins. A taxed line
    /// whose rate has no code is refused.
    public var taxCodes: [String: String] = ["uk": "T1", "eu": "T1", "euVatRegistered": "T4", "restOfWorld": "T0"]
    /// Tax code by Magento's tax percent ("20" -> T1), the same as rate keys in ``taxCodes``.
    public var rateCodes: [String: String] = ["0": "T0", "5": "T5", "20": "T1"]
    /// How lines carry money: `gross` (Zynk `VatInclusive`: unit prices include VAT and Sage takes it out of each
    /// line), `net` (Sage adds VAT to each net line), or `auto`: net when Sage's VAT on every net line is
    /// Magento's, else gross. Either way Sage's total is Magento's `grand_total` or the order is refused.
    public var linePrices: String = "auto"
    /// Rates of Sage's tax codes, to predict Sage's totals for the reconciliation check.
    public var taxRates: [String: Decimal] = ["T0": 0, "T1": 20, "T2": 0, "T4": 0, "T5": 5, "T9": 0]
    /// Countries treated as the UK (home) destination.
    public var homeCountries: [String] = ["GB", "IM"]
    /// Countries treated as the EU destination.
    public var euCountries: [String] = OrderMappingSettings.eu27
    /// Carriage line tax code ("T1"); nil derives it from the shipping tax rate like an item line.
    public var carriageTaxCode: String? = nil
    /// Carriage nominal code (Sage's default for carriage is 4905); nil leaves it to Sage.
    public var carriageNominalCode: String? = nil
    /// Nominal code for item lines; nil uses each product's own.
    public var itemNominalCode: String? = nil
    /// Sage bank account of the payment.
    public var bankAccount: String = "1200"
    /// `SalesReceipt` or `PaymentAlreadyReceived`.
    public var paymentType: String = "SalesReceipt"
    /// Write the payment (PaymentRef, PaymentAmount, BankAccount, PaymentType).
    public var includePayment: Bool = true
    /// `TakenBy` of every order.
    public var takenBy: String = "Magento"
    /// Timezone Sage's dates are in; Magento's `created_at` is UTC.
    public var timezone: String = "Europe/London"
    /// Maximum difference between Sage's total and Magento's grand total: 0, the only value accepted (kept so
    /// that a configuration written for the 0.01 of older versions is refused by name, not silently changed).
    public var totalTolerance: Decimal = 0
    /// Over-long text fields: `fail` the order, or `truncate` and say so in Notes3.
    public var longFields: String = "fail"
    /// Magento SKUs are case-sensitive, Sage stock codes upper case: upper-case them (true) or fail (false).
    public var uppercaseSkus: Bool = true
    /// Text Windows-1252 (Sage 50's code page) cannot hold even transliterated (ễ -> ê and Ł -> L are): `fail`
    /// the order naming the field, or `replace` the characters with "?" and record it in the notes.
    public var unencodableText: String = "fail"
    /// Sage stock codes for SKUs that break Sage 50's rules (over 30 characters, spaces, other characters):
    /// `{"gift card £25": "GIFT-25"}`; SKUs are matched case-insensitively, as Magento matches them.
    public var stockCodes: [String: String] = [:]
    /// Also write increment_id as SalesOrderNumber (the template does; only valid with manual numbering in Sage).
    public var incrementIdAsOrderNumber: Bool = false
    /// Ledger profile: orders are unique per profile.
    public var profile: String = "magento-sage"

    /// The EU-27 member states (ISO 3166 alpha-2, Greece as GR).
    public static let eu27 = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
        "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    ]

    /// Defaults everywhere.
    public init() {}

    /// Every key this type accepts, for `TaskKind.settingsKeys`.
    public static let keys: Set<String> = Set(CodingKeys.allCases.map(\.stringValue))

    enum CodingKeys: String, CodingKey, CaseIterable {
        case guestAccountReference, guestAccountByCurrency, customerAccounts, unmappedCustomers, bundles, taxCodes
        case rateCodes, taxRates, homeCountries, euCountries, carriageTaxCode, carriageNominalCode
        case itemNominalCode, bankAccount, paymentType, includePayment, takenBy, timezone, totalTolerance
        case longFields, uppercaseSkus, incrementIdAsOrderNumber, profile, linePrices, stockCodes, unencodableText
    }

    /// Decodes present keys over the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func take<T: Decodable>(_ key: CodingKeys, _ path: WritableKeyPath<OrderMappingSettings, T>) throws {
            if let value = try c.decodeIfPresent(T.self, forKey: key) { self[keyPath: path] = value }
        }
        try take(.guestAccountReference, \.guestAccountReference)
        try take(.guestAccountByCurrency, \.guestAccountByCurrency)
        try take(.customerAccounts, \.customerAccounts)
        try take(.unmappedCustomers, \.unmappedCustomers)
        try take(.bundles, \.bundles)
        if let codes = try c.decodeIfPresent([String: String].self, forKey: .taxCodes) {
            taxCodes.merge(codes) { $1 }
        }
        try take(.rateCodes, \.rateCodes)
        if let rates = try c.decodeIfPresent([String: Decimal].self, forKey: .taxRates) {
            taxRates.merge(rates) { $1 }
        }
        try take(.homeCountries, \.homeCountries)
        try take(.euCountries, \.euCountries)
        carriageTaxCode = try c.decodeIfPresent(String.self, forKey: .carriageTaxCode)
        carriageNominalCode = try c.decodeIfPresent(String.self, forKey: .carriageNominalCode)
        itemNominalCode = try c.decodeIfPresent(String.self, forKey: .itemNominalCode)
        try take(.bankAccount, \.bankAccount)
        try take(.paymentType, \.paymentType)
        try take(.includePayment, \.includePayment)
        try take(.takenBy, \.takenBy)
        try take(.timezone, \.timezone)
        if let text = try? c.decodeIfPresent(String.self, forKey: .totalTolerance) {
            guard let value = Decimal(amountText: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .totalTolerance, in: c, debugDescription: "should be an amount like \"0.01\"")
            }
            totalTolerance = value
        } else {
            try take(.totalTolerance, \.totalTolerance)
        }
        try take(.longFields, \.longFields)
        try take(.uppercaseSkus, \.uppercaseSkus)
        try take(.incrementIdAsOrderNumber, \.incrementIdAsOrderNumber)
        try take(.profile, \.profile)
        try take(.linePrices, \.linePrices)
        try take(.stockCodes, \.stockCodes)
        try take(.unencodableText, \.unencodableText)
        try validate()
    }

    /// The destination keys of ``taxCodes``.
    static let destinationKeys = ["uk", "eu", "euVatRegistered", "restOfWorld"]

    /// A rate key of ``taxCodes`` or ``rateCodes``: `"20"` (country "") or `"IE:23"`; nil for anything else.
    static func rateKey(_ key: String) -> (country: String, rate: Amount)? {
        let parts = key.split(separator: ":", omittingEmptySubsequences: false)
        let country = parts.count == 2 ? parts[0].trimmingCharacters(in: .whitespaces).uppercased() : ""
        guard parts.count <= 2, parts.count == 1 || (country.count == 2 && country.allSatisfy(\.isLetter)),
            let rate = Amount(amountText: String(parts[parts.count - 1]).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return (country, rate)
    }

    /// ``rateKey(_:)`` for other Sage connectors' tax-code maps (Sage 200's `taxCodes`), so that one key shape,
    /// `"20"` or `"IE:23"`, means the same everywhere.
    public static func taxRateKey(_ key: String) -> (country: String, percent: Decimal)? {
        rateKey(key).map { ($0.country, $0.rate.decimal) }
    }

    /// Checks values a typo could break, naming the key and the accepted values.
    public func validate() throws {
        func fail(_ key: CodingKeys, _ message: String) -> MappingSettingsError {
            MappingSettingsError(key: key.stringValue, message: message)
        }
        guard ["webAccount", "autoCreate"].contains(unmappedCustomers) else {
            throw fail(.unmappedCustomers, "is '\(unmappedCustomers)'; use \"webAccount\" or \"autoCreate\"")
        }
        guard ["children", "bundle"].contains(bundles) else {
            throw fail(.bundles, "is '\(bundles)'; use \"children\" or \"bundle\"")
        }
        guard ["fail", "truncate"].contains(longFields) else {
            throw fail(.longFields, "is '\(longFields)'; use \"fail\" or \"truncate\"")
        }
        guard ["SalesReceipt", "PaymentAlreadyReceived"].contains(paymentType) else {
            throw fail(.paymentType, "is '\(paymentType)'; use \"SalesReceipt\" or \"PaymentAlreadyReceived\"")
        }
        guard TimeZone(identifier: timezone) != nil else {
            throw fail(.timezone, "'\(timezone)' is not a known time zone; use an IANA name like Europe/London")
        }
        for key in Self.destinationKeys where TaxCode(taxCodes[key] ?? "") == nil {
            throw fail(.taxCodes, "'\(key)' is '\(taxCodes[key] ?? "missing")'; use a code T0..T99")
        }
        for (key, code) in taxCodes where !Self.destinationKeys.contains(key) {
            guard Self.rateKey(key) != nil, TaxCode(code) != nil else {
                throw fail(
                    .taxCodes,
                    "\"\(key)\": \"\(code)\" should map a destination (uk, eu, euVatRegistered, restOfWorld), a "
                        + "rate (\"20\") or a country and rate (\"IE:23\") to a code T0..T99")
            }
        }
        guard ["fail", "replace"].contains(unencodableText) else {
            throw fail(.unencodableText, "is '\(unencodableText)'; use \"fail\" or \"replace\"")
        }
        guard ["auto", "gross", "net"].contains(linePrices) else {
            throw fail(.linePrices, "is '\(linePrices)'; use \"auto\", \"gross\" or \"net\"")
        }
        guard totalTolerance == 0 else {
            throw fail(
                .totalTolerance,
                "is \(totalTolerance.amountText); orders now reconcile to the penny or are refused: remove the key")
        }
        for (rate, code) in rateCodes where TaxCode(code) == nil || Decimal(amountText: rate) == nil {
            throw fail(.rateCodes, "\"\(rate)\": \"\(code)\" should map a percent to a code T0..T99")
        }
        if let code = carriageTaxCode, TaxCode(code) == nil {
            throw fail(.carriageTaxCode, "is '\(code)'; use a code T0..T99")
        }
    }
}

/// A mapping setting has a value the mapping cannot use.
public struct MappingSettingsError: Error, CustomStringConvertible, Sendable {
    /// The settings key.
    public let key: String
    /// What is wrong and what to use instead.
    public let message: String

    public var description: String { "settings.\(key) \(message)" }
}

/// A Sage 50 tax code, T0..T99, written as its integer on import.
public struct TaxCode: Sendable, Hashable, CustomStringConvertible {
    /// 0...99.
    public let number: Int

    /// Parses "T1", "t1" or "1".
    public init?(_ text: String) {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        if digits.first == "T" || digits.first == "t" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits), (0...99).contains(value)
        else { return nil }
        number = value
    }

    /// A code from its number (unchecked: pre-validation reports out-of-range numbers).
    public init(number: Int) { self.number = number }

    public var description: String { "T\(number)" }
}

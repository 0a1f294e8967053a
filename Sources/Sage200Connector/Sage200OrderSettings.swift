import Foundation
import SageSide

/// Settings of `sage200.import-orders` (the stage's `settings`).
public struct Sage200OrderSettings: Sendable, Decodable {
    /// The warehouse (name) stock lines are sold from.
    public var warehouse = "HOME"
    /// Unknown SKUs become free-text lines; otherwise the order is refused with the SKU named.
    public var freeTextForUnknownSkus = false
    /// The `sop_additional_charges` code carriage is booked to.
    public var carriageChargeCode = "CARR"
    /// Magento tax percent -> Sage 200 tax code (the user's code, not the record id), keyed as the Sage 50
    /// mapping's `taxCodes`: a rate (`"20"`) or a country and rate (`"IE:23"`, which wins for orders delivered
    /// there). Default 20 -> 1, 5 -> 5, 0 -> 0; a rate with no code is refused.
    public var taxCodes: [String: Int] = ["20": 1, "5": 5, "0": 0]
    /// The Sage tax code (of rate 0) of the rounding line a gross-priced order needs when no net price gives
    /// Sage's VAT the penny Magento charged (``Sage200LinePricing``).
    public var roundingTaxCode = 9
    /// Guest orders go to these accounts by currency (e.g. `{"GBP": "WEBSALES"}`); a guest without one is found by
    /// e-mail or created, like a registered customer.
    public var guestAccounts: [String: String] = [:]

    /// Every key.
    public static let keys: Set<String> = [
        "warehouse", "freeTextForUnknownSkus", "carriageChargeCode", "taxCodes", "roundingTaxCode", "guestAccounts",
    ]

    /// Defaults.
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        warehouse = try c.decodeIfPresent(String.self, forKey: .warehouse) ?? warehouse
        freeTextForUnknownSkus = try c.decodeIfPresent(Bool.self, forKey: .freeTextForUnknownSkus) ?? freeTextForUnknownSkus
        carriageChargeCode = try c.decodeIfPresent(String.self, forKey: .carriageChargeCode) ?? carriageChargeCode
        taxCodes = try c.decodeIfPresent([String: Int].self, forKey: .taxCodes) ?? taxCodes
        roundingTaxCode = try c.decodeIfPresent(Int.self, forKey: .roundingTaxCode) ?? roundingTaxCode
        guestAccounts = try c.decodeIfPresent([String: String].self, forKey: .guestAccounts) ?? guestAccounts
        for key in taxCodes.keys where OrderMappingSettings.taxRateKey(key) == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .taxCodes, in: c,
                debugDescription: "\"\(key)\" should be a rate (\"20\") or a country and rate (\"IE:23\") mapped to a Sage 200 tax code")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case warehouse, freeTextForUnknownSkus, carriageChargeCode, taxCodes, roundingTaxCode, guestAccounts
    }

    /// The Sage tax code for a Magento percent (`20`, `20.0`, `20.00` alike) on an order delivered to `country`:
    /// the country's entry, else the rate's.
    func taxCode(percent: Decimal, country: String) -> Int? {
        var general: Int?
        for (key, code) in taxCodes {
            guard let parsed = OrderMappingSettings.taxRateKey(key), parsed.percent == percent else { continue }
            if parsed.country == country.uppercased() && !country.isEmpty { return code }
            if parsed.country.isEmpty { general = code }
        }
        return general
    }

    /// Why a rate has no code: the rate, the country and the key to add.
    func missingTaxCode(percent: Decimal, country: String, what: String) -> String {
        let key = country.isEmpty ? "\(percent)" : "\(country.uppercased()):\(percent)"
        return "\(what): VAT rate \(percent) % (\(country.isEmpty ? "no country" : country.uppercased())) has no Sage 200 tax code: "
            + "add it to settings.taxCodes, e.g. \"\(key)\": <the Sage tax code of that rate>"
    }
}

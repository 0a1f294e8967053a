import Foundation

/// Settings of `sage200.import-orders` (the stage's `settings`).
public struct Sage200OrderSettings: Sendable, Decodable {
    /// The warehouse (name) stock lines are sold from.
    public var warehouse = "HOME"
    /// Unknown SKUs become free-text lines; otherwise the order is refused with the SKU named.
    public var freeTextForUnknownSkus = false
    /// The `sop_additional_charges` code carriage is booked to.
    public var carriageChargeCode = "CARR"
    /// Magento tax percent -> Sage 200 tax code (the user's code, not the record id); default 20 -> 1, 5 -> 5, 0 -> 0.
    public var taxCodes: [String: Int] = ["20": 1, "5": 5, "0": 0]
    /// Guest orders go to these accounts by currency (e.g. `{"GBP": "WEBSALES"}`); a guest without one is found by
    /// e-mail or created, like a registered customer.
    public var guestAccounts: [String: String] = [:]

    /// Every key.
    public static let keys: Set<String> = ["warehouse", "freeTextForUnknownSkus", "carriageChargeCode", "taxCodes", "guestAccounts"]

    /// Defaults.
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        warehouse = try c.decodeIfPresent(String.self, forKey: .warehouse) ?? warehouse
        freeTextForUnknownSkus = try c.decodeIfPresent(Bool.self, forKey: .freeTextForUnknownSkus) ?? freeTextForUnknownSkus
        carriageChargeCode = try c.decodeIfPresent(String.self, forKey: .carriageChargeCode) ?? carriageChargeCode
        taxCodes = try c.decodeIfPresent([String: Int].self, forKey: .taxCodes) ?? taxCodes
        guestAccounts = try c.decodeIfPresent([String: String].self, forKey: .guestAccounts) ?? guestAccounts
    }

    private enum CodingKeys: String, CodingKey {
        case warehouse, freeTextForUnknownSkus, carriageChargeCode, taxCodes, guestAccounts
    }

    /// The Sage tax code for a Magento percent (`20`, `20.0`, `20.00` alike).
    func taxCode(percent: Decimal) -> Int? {
        taxCodes.first { Decimal(string: $0.key) == percent }?.value
    }
}

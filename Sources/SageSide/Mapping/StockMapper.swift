import FerryValues
import Foundation

/// Settings of `sage-products-to-magento-inventory`.
public struct StockMappingSettings: Sendable, Codable, Hashable {
    /// `free` (QtyInStock - QtyAllocated, what the web may sell) or `inStock` (QtyInStock).
    public var stockBasis: String = "free"
    /// Only products with "Publish to Web" set.
    public var publishedOnly: Bool = true
    /// Negative stock: `zero` (sent as qty 0, out of stock) or `skip` (the template's "> -1" filter, which leaves
    /// Magento's old quantity in place).
    public var negativeStock: String = "zero"

    /// Defaults everywhere.
    public init() {}

    /// Every key this type accepts.
    public static let keys: Set<String> = ["stockBasis", "publishedOnly", "negativeStock"]

    /// Decodes present keys over the defaults and checks their values.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stockBasis = try c.decodeIfPresent(String.self, forKey: .stockBasis) ?? stockBasis
        publishedOnly = try c.decodeIfPresent(Bool.self, forKey: .publishedOnly) ?? publishedOnly
        negativeStock = try c.decodeIfPresent(String.self, forKey: .negativeStock) ?? negativeStock
        guard ["free", "inStock"].contains(stockBasis) else {
            throw MappingSettingsError(key: "stockBasis", message: "is '\(stockBasis)'; use \"free\" or \"inStock\"")
        }
        guard ["zero", "skip"].contains(negativeStock) else {
            throw MappingSettingsError(
                key: "negativeStock", message: "is '\(negativeStock)'; use \"zero\" or \"skip\"")
        }
    }
}

/// Mapping 3: a Sage stock record to a Magento inventory record (pure).
public struct StockMapper: Sendable {
    /// The settings.
    public let settings: StockMappingSettings

    /// Creates a mapper.
    public init(settings: StockMappingSettings) { self.settings = settings }

    /// The inventory record for `product`, or nil when it is left out (unpublished, inactive, negative in
    /// `skip` mode, no SKU).
    ///
    /// - Parameter today: products whose InactiveDate is on or before this `YYYY-MM-DD` are inactive.
    public func map(_ product: SageProduct, today: String) -> InventoryRecord? {
        guard !product.sku.isEmpty else { return nil }
        if settings.publishedOnly && !product.publish { return nil }
        if let inactive = product.inactiveDate, !inactive.isEmpty, String(inactive.prefix(10)) <= today {
            return nil
        }
        var qty = settings.stockBasis == "free" ? product.qtyInStock - product.qtyAllocated : product.qtyInStock
        if qty < 0 {
            if settings.negativeStock == "skip" { return nil }
            qty = 0
        }
        return InventoryRecord(sku: product.sku, qty: qty, isInStock: qty > 0)
    }
}

/// Settings of `sage-success-to-magento-updates`.
public struct SuccessMappingSettings: Sendable, Codable, Hashable {
    /// The comment on the Magento order; `{SalesOrderNumber}`, `{Id}`, `{CustomerOrderNumber}` are replaced.
    /// Empty: no comment (the update task's default comment applies).
    public var commentTemplate: String = "Imported into Sage as sales order {SalesOrderNumber}"
    /// Ledger profile whose rows get Sage's order number.
    public var profile: String = "magento-sage"

    /// Defaults everywhere.
    public init() {}

    /// Every key this type accepts.
    public static let keys: Set<String> = ["commentTemplate", "profile"]

    /// Decodes present keys over the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        commentTemplate = try c.decodeIfPresent(String.self, forKey: .commentTemplate) ?? commentTemplate
        profile = try c.decodeIfPresent(String.self, forKey: .profile) ?? profile
    }
}

/// Mapping 2: a Sage success record to a Magento order update (pure).
public struct SuccessMapper: Sendable {
    /// The settings.
    public let settings: SuccessMappingSettings

    /// Creates a mapper.
    public init(settings: SuccessMappingSettings) { self.settings = settings }

    /// The update for one success record, or nil when it has no CustomerOrderNumber to find the Magento order by.
    public func map(id: String?, customerOrderNumber: String?, salesOrderNumber: String?) -> MagentoOrderUpdate? {
        guard let increment = customerOrderNumber, !increment.isEmpty else { return nil }
        let comment = settings.commentTemplate
            .replacingOccurrences(of: "{SalesOrderNumber}", with: salesOrderNumber ?? "")
            .replacingOccurrences(of: "{Id}", with: id ?? "")
            .replacingOccurrences(of: "{CustomerOrderNumber}", with: increment)
        return MagentoOrderUpdate(incrementId: increment, comment: comment.isEmpty ? nil : comment)
    }
}

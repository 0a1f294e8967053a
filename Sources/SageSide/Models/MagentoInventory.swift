public import Foundation

/// A Magento inventory record (`ArrayOfInventory/Inventory`).
public struct MagentoInventory: Sendable, Hashable {
    public var sku: String
    public var qty: Decimal
    /// 1 when qty > 0.
    public var isInStock: Bool

    /// Creates an inventory record.
    public init(sku: String, qty: Decimal, isInStock: Bool) {
        self.sku = sku
        self.qty = qty
        self.isInStock = isInStock
    }
}

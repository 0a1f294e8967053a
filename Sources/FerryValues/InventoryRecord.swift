public import Foundation

/// One stock level of one SKU: what the Sage side exports (`ArrayOfInventory/Inventory`) and what the inventory
/// upload sends to Magento.
public struct InventoryRecord: Sendable, Hashable {
    public var sku: String
    public var qty: Decimal
    /// True when `qty` is above zero, unless the source says otherwise.
    public var isInStock: Bool

    /// Creates a record.
    public init(sku: String, qty: Decimal, isInStock: Bool) {
        self.sku = sku
        self.qty = qty
        self.isInStock = isInStock
    }
}

public import Foundation

/// A Zynk stock record (`Company/Products/Product`), as Sage 50's "Export Stock Records" writes it.
public struct SageProduct: Sendable, Hashable {
    public var sku: String
    public var name: String?
    public var description: String?
    public var salePrice: Decimal?
    public var qtyInStock: Decimal
    public var qtyAllocated: Decimal
    public var qtyOnOrder: Decimal?
    public var taxCode: Int?
    /// "Publish to Web".
    public var publish: Bool
    /// `Stock`, `NonStock` or `Service`.
    public var itemType: String?
    public var dateModified: String?
    /// Set when the product is inactive from that date.
    public var inactiveDate: String?
    public var line: Int

    /// Creates a product record.
    public init(
        sku: String, name: String? = nil, description: String? = nil, salePrice: Decimal? = nil,
        qtyInStock: Decimal = 0, qtyAllocated: Decimal = 0, qtyOnOrder: Decimal? = nil, taxCode: Int? = nil,
        publish: Bool = true, itemType: String? = nil, dateModified: String? = nil, inactiveDate: String? = nil,
        line: Int = 0
    ) {
        self.sku = sku
        self.name = name
        self.description = description
        self.salePrice = salePrice
        self.qtyInStock = qtyInStock
        self.qtyAllocated = qtyAllocated
        self.qtyOnOrder = qtyOnOrder
        self.taxCode = taxCode
        self.publish = publish
        self.itemType = itemType
        self.dateModified = dateModified
        self.inactiveDate = inactiveDate
        self.line = line
    }
}

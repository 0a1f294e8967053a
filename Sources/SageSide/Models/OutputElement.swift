/// A small element tree of what ferry writes: the mappings build one per record, the XML writer streams it out,
/// the ledger hashes it. Keeping records as values (not writer calls) makes the mapping testable without files.
public struct OutputElement: Sendable, Hashable {
    /// Element name.
    public var name: String
    /// Text content (leaf elements).
    public var text: String?
    /// Child elements (branch elements).
    public var children: [OutputElement]

    /// A leaf element with text.
    public init(_ name: String, _ text: String) {
        self.name = name
        self.text = text
        self.children = []
    }

    /// A branch element.
    public init(_ name: String, children: [OutputElement]) {
        self.name = name
        self.text = nil
        self.children = children
    }

    /// The text of the first child called `name`.
    public func string(_ name: String) -> String? { children.first { $0.name == name }?.text }

    /// The first child called `name`.
    public func child(_ name: String) -> OutputElement? { children.first { $0.name == name } }

    /// A stable one-line rendering for hashing and tests: `Name{Child=text;...}`.
    public var canonical: String {
        if children.isEmpty { return "\(name)=\(text ?? "")" }
        return "\(name){" + children.map(\.canonical).joined(separator: ";") + "}"
    }
}

/// Builds elements skipping nil values ("leave empty numeric elements out").
struct ElementBuilder {
    var children: [OutputElement] = []

    mutating func add(_ name: String, _ value: String?) {
        if let value { children.append(OutputElement(name, value)) }
    }

    mutating func add(_ name: String, _ value: (some Any)?) {
        if let value { children.append(OutputElement(name, "\(value)")) }
    }

    mutating func add(_ name: String, amount: Foundation.Decimal?) {
        if let amount { children.append(OutputElement(name, amount.amountText)) }
    }

    mutating func add(_ name: String, amount: Amount?) {
        if let amount { children.append(OutputElement(name, amount.amountText)) }
    }

    mutating func add(_ element: OutputElement?) {
        if let element { children.append(element) }
    }
}

import Foundation

/// 64-bit FNV-1a: detects a changed record (not a security hash; nothing here is secret or adversarial).
public func contentHash(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

extension SalesOrder {
    /// The `SalesOrder` element in schema order, optionally with Zynk `<Errors>` first (fail records).
    public func element(errors: [ZynkError] = []) -> OutputElement {
        var b = ElementBuilder()
        if !errors.isEmpty { b.add(Self.errorsElement(errors)) }
        b.add("Id", id)
        b.add("CustomerId", customerId)
        b.add("SalesOrderNumber", salesOrderNumber)
        b.add("CustomerOrderNumber", customerOrderNumber)
        b.add("Notes1", notes1)
        b.add("Notes2", notes2)
        b.add("Notes3", notes3)
        b.add("Currency", currency)
        b.add("AccountReference", accountReference)
        b.add("SalesOrderDate", salesOrderDate)
        b.add(invoiceAddress.map { $0.element("SalesOrderAddress") })
        b.add(deliveryAddress.map { $0.element("SalesOrderDeliveryAddress") })
        if !items.isEmpty {
            b.add(OutputElement("SalesOrderItems", children: items.map { $0.element("Item") }))
        }
        b.add(carriage.map { $0.element("Carriage") })
        b.add("TakenBy", takenBy)
        b.add("PaymentRef", paymentRef)
        b.add("PaymentAmount", amount: _paymentAmount)
        b.add("BankAccount", bankAccount)
        b.add("PaymentType", paymentType)
        return OutputElement("SalesOrder", children: b.children)
    }

    /// `<Errors><Error><Date/><Name/><Description/></Error>...</Errors>`.
    public static func errorsElement(_ errors: [ZynkError]) -> OutputElement {
        OutputElement(
            "Errors",
            children: errors.map {
                OutputElement(
                    "Error",
                    children: [
                        OutputElement("Date", $0.date), OutputElement("Name", $0.name),
                        OutputElement("Description", $0.description),
                    ])
            })
    }

    /// The content hash the ledger keeps: changes whenever anything Sage would receive changes.
    public var contentHash: String { SageSide.contentHash(element().canonical) }
}

extension SalesOrderContact {
    func element(_ name: String) -> OutputElement {
        var b = ElementBuilder()
        for (field, value) in fields { b.add(field, value) }
        return OutputElement(name, children: b.children)
    }
}

extension SalesOrderItem {
    func element(_ name: String) -> OutputElement {
        var b = ElementBuilder()
        b.add("Sku", sku)
        b.add("Name", self.name)
        b.add("Description", description)
        b.add("QtyOrdered", amount: _qtyOrdered)
        b.add("UnitPrice", amount: _unitPrice)
        b.add("UnitDiscountAmount", amount: _unitDiscountAmount)
        b.add("TaxCode", taxCode)
        b.add("NominalCode", nominalCode)
        b.add("Department", department)
        b.add("QtyAllocated", amount: _qtyAllocated)
        return OutputElement(name, children: b.children)
    }
}

extension MagentoInventory {
    /// `<Inventory><sku/><qty/><is_in_stock/></Inventory>`.
    public var element: OutputElement {
        OutputElement(
            "Inventory",
            children: [
                OutputElement("sku", sku), OutputElement("qty", qty.amountText),
                OutputElement("is_in_stock", isInStock ? "1" : "0"),
            ])
    }
}

extension MagentoOrderUpdate {
    /// `<OrderInfo><increment_id/><comment/></OrderInfo>`.
    public var element: OutputElement {
        var b = ElementBuilder()
        b.add("increment_id", incrementId)
        b.add("comment", comment)
        return OutputElement("OrderInfo", children: b.children)
    }
}

extension SageProduct {
    /// `<Product>` as Sage's stock export writes it (the fields ferry uses).
    public var element: OutputElement {
        var b = ElementBuilder()
        b.add("UniqueId", sku)
        b.add("Sku", sku)
        b.add("Name", name)
        b.add("Description", description)
        b.add("SalePrice", amount: salePrice)
        b.add("QtyInStock", amount: qtyInStock)
        b.add("QtyOnOrder", amount: qtyOnOrder)
        b.add("TaxCode", taxCode)
        b.add("Publish", publish ? "true" : "false")
        b.add("QtyAllocated", amount: qtyAllocated)
        b.add("ItemType", itemType)
        b.add("DateModified", dateModified)
        b.add("InactiveDate", inactiveDate)
        return OutputElement("Product", children: b.children)
    }
}

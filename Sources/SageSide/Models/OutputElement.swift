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

    mutating func add(_ element: OutputElement?) {
        if let element { children.append(element) }
    }
}

import FerryValues
import Foundation

/// 64-bit FNV-1a: detects a changed record (not a security hash; nothing here is secret or adversarial).
public func contentHash(_ text: String) -> String {
    var hasher = ContentHasher()
    hasher.add(text)
    return hasher.hex
}

/// Receives a record's elements in document order: ``TreeSink`` builds an ``OutputElement``, the order file
/// mapper's writer sink streams them to the file without building the tree (a tree per order was 8 % of the
/// mapping's time).
protocol ElementSink {
    /// `Never` for the tree builder, so building a tree needs no `try`.
    associatedtype Failure: Error
    /// A leaf element `<name>text</name>`.
    mutating func leaf(_ name: String, _ text: String) throws(Failure)
    /// Opens a branch element; an element left without children is written as a leaf with empty text.
    mutating func open(_ name: String) throws(Failure)
    /// Closes the innermost open branch.
    mutating func close() throws(Failure)
}

extension ElementSink {
    /// A leaf when `value` is non-nil ("leave empty numeric elements out").
    mutating func leaf(_ name: String, ifPresent value: String?) throws(Failure) {
        if let value { try leaf(name, value) }
    }

    mutating func leaf(_ name: String, ifPresent value: Int?) throws(Failure) {
        if let value { try leaf(name, String(value)) }
    }

    mutating func leaf(_ name: String, amount: Amount?) throws(Failure) {
        if let amount { try leaf(name, amount.amountText) }
    }
}

/// Builds the ``OutputElement`` tree of what a sink receives.
struct TreeSink: ElementSink {
    typealias Failure = Never
    private var stack: [(name: String, children: [OutputElement])] = [("", [])]

    /// The root element received.
    var root: OutputElement? { stack.first?.children.first }

    mutating func leaf(_ name: String, _ text: String) {
        stack[stack.count - 1].children.append(OutputElement(name, text))
    }

    mutating func open(_ name: String) {
        stack.append((name, []))
    }

    mutating func close() {
        let (name, children) = stack.removeLast()
        stack[stack.count - 1].children.append(OutputElement(name, children: children))
    }

    /// Runs `emit` and returns the tree it sent.
    static func build(_ emit: (inout TreeSink) -> Void) -> OutputElement {
        var sink = TreeSink()
        emit(&sink)
        return sink.root!
    }
}

extension SalesOrder {
    /// The `SalesOrder` element in schema order, optionally with Zynk `<Errors>` first (fail records).
    public func element(errors: [ZynkError] = []) -> OutputElement {
        TreeSink.build { emit(into: &$0, errors: errors) }
    }

    /// Sends the `SalesOrder` element to `sink` (see ``element(errors:)``).
    func emit<Sink: ElementSink>(into sink: inout Sink, errors: [ZynkError] = []) throws(Sink.Failure) {
        try sink.open("SalesOrder")
        if !errors.isEmpty { try Self.emitErrors(errors, into: &sink) }
        try sink.leaf("Id", id)
        try sink.leaf("CustomerId", ifPresent: customerId)
        try sink.leaf("SalesOrderNumber", ifPresent: salesOrderNumber)
        try sink.leaf("CustomerOrderNumber", ifPresent: customerOrderNumber)
        try sink.leaf("Notes1", ifPresent: notes1)
        try sink.leaf("Notes2", ifPresent: notes2)
        try sink.leaf("Notes3", ifPresent: notes3)
        try sink.leaf("Currency", ifPresent: currency)
        if vatInclusive == true { try sink.leaf("VatInclusive", "true") }
        try sink.leaf("AccountReference", ifPresent: accountReference)
        try sink.leaf("SalesOrderDate", ifPresent: salesOrderDate)
        try invoiceAddress?.emit("SalesOrderAddress", into: &sink)
        try deliveryAddress?.emit("SalesOrderDeliveryAddress", into: &sink)
        if !items.isEmpty {
            try sink.open("SalesOrderItems")
            for item in items { try item.emit("Item", into: &sink) }
            try sink.close()
        }
        try carriage?.emit("Carriage", into: &sink)
        try sink.leaf("TakenBy", ifPresent: takenBy)
        try sink.leaf("PaymentRef", ifPresent: paymentRef)
        try sink.leaf("PaymentAmount", amount: _paymentAmount)
        try sink.leaf("BankAccount", ifPresent: bankAccount)
        try sink.leaf("PaymentType", ifPresent: paymentType)
        try sink.close()
    }

    /// `<Errors><Error><Date/><Name/><Description/></Error>...</Errors>`.
    public static func errorsElement(_ errors: [ZynkError]) -> OutputElement {
        TreeSink.build { emitErrors(errors, into: &$0) }
    }

    static func emitErrors<Sink: ElementSink>(_ errors: [ZynkError], into sink: inout Sink) throws(Sink.Failure) {
        try sink.open("Errors")
        for error in errors {
            try sink.open("Error")
            try sink.leaf("Date", error.date)
            try sink.leaf("Name", error.name)
            try sink.leaf("Description", error.description)
            try sink.close()
        }
        try sink.close()
    }

    /// The content hash the ledger keeps: changes whenever anything Sage would receive changes.
    public var contentHash: String {
        var hasher = ContentHasher()
        emit(into: &hasher)
        return hasher.hex
    }
}

extension SalesOrderContact {
    func element(_ name: String) -> OutputElement {
        TreeSink.build { emit(name, into: &$0) }
    }

    func emit<Sink: ElementSink>(_ name: String, into sink: inout Sink) throws(Sink.Failure) {
        try sink.open(name)
        try sink.leaf("Title", ifPresent: title)
        try sink.leaf("Forename", ifPresent: forename)
        try sink.leaf("Surname", ifPresent: surname)
        try sink.leaf("Company", ifPresent: company)
        try sink.leaf("Address1", ifPresent: address1)
        try sink.leaf("Address2", ifPresent: address2)
        try sink.leaf("Address3", ifPresent: address3)
        try sink.leaf("Town", ifPresent: town)
        try sink.leaf("Postcode", ifPresent: postcode)
        try sink.leaf("County", ifPresent: county)
        try sink.leaf("Country", ifPresent: country)
        try sink.leaf("Telephone", ifPresent: telephone)
        try sink.leaf("Fax", ifPresent: fax)
        try sink.leaf("Email", ifPresent: email)
        try sink.close()
    }
}

extension SalesOrderItem {
    func element(_ name: String) -> OutputElement {
        TreeSink.build { emit(name, into: &$0) }
    }

    func emit<Sink: ElementSink>(_ name: String, into sink: inout Sink) throws(Sink.Failure) {
        try sink.open(name)
        try sink.leaf("Sku", sku)
        try sink.leaf("Name", ifPresent: self.name)
        try sink.leaf("Description", ifPresent: description)
        try sink.leaf("QtyOrdered", amount: _qtyOrdered)
        try sink.leaf("UnitPrice", amount: _unitPrice)
        try sink.leaf("UnitDiscountAmount", amount: _unitDiscountAmount)
        try sink.leaf("TaxCode", ifPresent: taxCode)
        try sink.leaf("NominalCode", ifPresent: nominalCode)
        try sink.leaf("Department", ifPresent: department)
        try sink.leaf("QtyAllocated", amount: _qtyAllocated)
        try sink.close()
    }
}

extension InventoryRecord {
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

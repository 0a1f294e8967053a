public import FerryXML

/// A Zynk "Connect XML" customer account (`Company/Customers/Customer`): how an order's VAT number reaches its
/// Sage account, since a `SalesOrder` has no element for it.
///
/// Written before the file's sales orders (the schema's `Company` sequence puts `Customers` first), one per order
/// sent whose customer has a VAT number. The Sage job creates or updates the account from it, then imports the
/// orders: with an `AccountReference` that account, without one the account it finds by e-mail or creates.
public struct SageCustomer: Sendable, Hashable {
    /// Magento's customer id (registered customers), as the order's `CustomerId`.
    public var id: String?
    /// The account's name: the invoice company, else the invoice contact's full name (at most 60).
    public var companyName: String?
    /// The customer's own account; nil lets the Sage job find it by e-mail or create it.
    public var accountReference: String?
    /// The customer's VAT registration number, as Magento holds it (trimmed).
    public var vatNumber: String
    public var invoiceAddress: SalesOrderContact?
    public var deliveryAddress: SalesOrderContact?
    /// ISO currency code of the account.
    public var currency: String?

    /// Sage 50's limit on an account's VAT registration number.
    public static let vatNumberLimit = 20

    /// Creates a customer record.
    public init(
        id: String? = nil, companyName: String? = nil, accountReference: String? = nil, vatNumber: String,
        invoiceAddress: SalesOrderContact? = nil, deliveryAddress: SalesOrderContact? = nil, currency: String? = nil
    ) {
        self.id = id
        self.companyName = companyName
        self.accountReference = accountReference
        self.vatNumber = vatNumber
        self.invoiceAddress = invoiceAddress
        self.deliveryAddress = deliveryAddress
        self.currency = currency
    }

    /// The account record of a validated sales order whose customer has `vatNumber`; nil when it has none.
    ///
    /// Built from the order as it goes to Sage (names and addresses already fitted to Sage 50's code page and
    /// lengths), so the account and the order agree.
    public init?(order: SalesOrder, vatNumber: String?) {
        guard let vatNumber else { return nil }
        let invoice = order.invoiceAddress
        let fullName = [invoice?.forename, invoice?.surname].compactMap { $0 }.joined(separator: " ")
        self.init(
            id: order.customerId, companyName: invoice?.company ?? (fullName.isEmpty ? nil : String(fullName.prefix(60))),
            accountReference: order.accountReference, vatNumber: vatNumber, invoiceAddress: order.invoiceAddress,
            deliveryAddress: order.deliveryAddress, currency: order.currency)
    }

    /// Reads a `Customer` record (the Sage job's side).
    public init(record: XMLNode) {
        let contact = SalesOrderContact.init(record:)
        self.init(
            id: record.value("Id"), companyName: record.value("CompanyName"),
            accountReference: record.value("AccountReference"), vatNumber: record.value("VatNumber") ?? "",
            invoiceAddress: contact(record.child("CustomerInvoiceAddress")),
            deliveryAddress: contact(record.child("CustomerDeliveryAddress")), currency: record.value("Currency"))
    }

    /// The `Customer` element in the schema's order.
    public var element: OutputElement { TreeSink.build { emit(into: &$0) } }

    /// Sends the `Customer` element to `sink`.
    func emit<Sink: ElementSink>(into sink: inout Sink) throws(Sink.Failure) {
        try sink.open("Customer")
        try sink.leaf("Id", ifPresent: id)
        try sink.leaf("CompanyName", ifPresent: companyName)
        try sink.leaf("AccountReference", ifPresent: accountReference)
        try sink.leaf("VatNumber", vatNumber)
        try invoiceAddress?.emit("CustomerInvoiceAddress", into: &sink)
        try deliveryAddress?.emit("CustomerDeliveryAddress", into: &sink)
        try sink.leaf("Currency", ifPresent: currency)
        try sink.close()
    }
}

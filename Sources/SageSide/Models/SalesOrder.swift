public import Foundation

/// A Zynk "Connect XML" sales order (`Company/SalesOrders/SalesOrder`) as the Sage-side job imports it.
///
/// Optional fields are left out of the file when nil, as Zynk asks ("leave empty numeric elements out").
/// Elements are written in the schema's sequence order (`derived/Connect XML Schema v1.1`).
public struct SalesOrder: Sendable, Hashable {
    /// External id: Magento's entity id; Sage's duplicate-prevention key.
    public var id: String
    /// Magento's customer id (registered customers).
    public var customerId: String?
    /// Sage's order number: set by Sage in success files; in outgoing orders only with manual numbering.
    public var salesOrderNumber: String?
    /// Magento's increment id.
    public var customerOrderNumber: String?
    public var notes1: String?
    public var notes2: String?
    public var notes3: String?
    /// ISO currency code of the order.
    public var currency: String?
    /// `VatInclusive`: true when unit prices and discounts are gross (VAT included) and Sage takes the VAT out of
    /// each line's gross total; nil or false when they are net and Sage adds VAT to each line.
    public var vatInclusive: Bool?
    /// Sage account (8 characters); nil lets the Sage job create or find the account.
    public var accountReference: String?
    /// Local date-time, `2011-01-01T11:11:11`.
    public var salesOrderDate: String?
    public var invoiceAddress: SalesOrderContact?
    public var deliveryAddress: SalesOrderContact?
    public var items: [SalesOrderItem]
    public var carriage: SalesOrderItem?
    public var takenBy: String?
    public var paymentRef: String?
    public var paymentAmount: Decimal? {
        get { _paymentAmount?.decimal }
        set { _paymentAmount = newValue.map(Amount.init) }
    }
    /// Backing storage: the mapping computes with it.
    var _paymentAmount: Amount?
    public var bankAccount: String?
    /// `SalesReceipt` or `PaymentAlreadyReceived`.
    public var paymentType: String?

    /// Creates an order.
    public init(
        id: String, customerId: String? = nil, salesOrderNumber: String? = nil, customerOrderNumber: String? = nil,
        notes1: String? = nil, notes2: String? = nil, notes3: String? = nil, currency: String? = nil,
        accountReference: String? = nil, salesOrderDate: String? = nil, invoiceAddress: SalesOrderContact? = nil,
        deliveryAddress: SalesOrderContact? = nil, items: [SalesOrderItem] = [], carriage: SalesOrderItem? = nil,
        takenBy: String? = nil, paymentRef: String? = nil, paymentAmount: Decimal? = nil,
        bankAccount: String? = nil, paymentType: String? = nil
    ) {
        self.id = id
        self.customerId = customerId
        self.salesOrderNumber = salesOrderNumber
        self.customerOrderNumber = customerOrderNumber
        self.notes1 = notes1
        self.notes2 = notes2
        self.notes3 = notes3
        self.currency = currency
        self.accountReference = accountReference
        self.salesOrderDate = salesOrderDate
        self.invoiceAddress = invoiceAddress
        self.deliveryAddress = deliveryAddress
        self.items = items
        self.carriage = carriage
        self.takenBy = takenBy
        self.paymentRef = paymentRef
        self._paymentAmount = paymentAmount.map(Amount.init)
        self.bankAccount = bankAccount
        self.paymentType = paymentType
    }
}

/// `SalesOrderAddress` / `SalesOrderDeliveryAddress` (schema type `Contact`).
public struct SalesOrderContact: Sendable, Hashable {
    public var title: String?
    public var forename: String?
    public var surname: String?
    public var company: String?
    public var address1: String?
    public var address2: String?
    public var address3: String?
    public var town: String?
    public var postcode: String?
    public var county: String?
    public var country: String?
    public var telephone: String?
    public var fax: String?
    public var email: String?

    /// Creates a contact.
    public init(
        title: String? = nil, forename: String? = nil, surname: String? = nil, company: String? = nil,
        address1: String? = nil, address2: String? = nil, address3: String? = nil, town: String? = nil,
        postcode: String? = nil, county: String? = nil, country: String? = nil, telephone: String? = nil,
        fax: String? = nil, email: String? = nil
    ) {
        self.title = title
        self.forename = forename
        self.surname = surname
        self.company = company
        self.address1 = address1
        self.address2 = address2
        self.address3 = address3
        self.town = town
        self.postcode = postcode
        self.county = county
        self.country = country
        self.telephone = telephone
        self.fax = fax
        self.email = email
    }

    /// The fields in schema order with their element names, for writing, validation and truncation.
    public var fields: [(name: String, value: String?)] {
        [
            ("Title", title), ("Forename", forename), ("Surname", surname), ("Company", company),
            ("Address1", address1), ("Address2", address2), ("Address3", address3), ("Town", town),
            ("Postcode", postcode), ("County", county), ("Country", country), ("Telephone", telephone),
            ("Fax", fax), ("Email", email),
        ]
    }

    /// Sets a field by its element name (used by truncation).
    mutating func set(_ name: String, _ value: String?) {
        switch name {
        case "Title": title = value
        case "Forename": forename = value
        case "Surname": surname = value
        case "Company": company = value
        case "Address1": address1 = value
        case "Address2": address2 = value
        case "Address3": address3 = value
        case "Town": town = value
        case "Postcode": postcode = value
        case "County": county = value
        case "Country": country = value
        case "Telephone": telephone = value
        case "Fax": fax = value
        case "Email": email = value
        default: break
        }
    }
}

/// `SalesOrderItems/Item` or `Carriage` (schema type `Item`).
public struct SalesOrderItem: Sendable, Hashable {
    /// Stock code (30); S1/S2/S3 are Sage's non-stock codes, M a message line.
    public var sku: String
    public var name: String?
    public var description: String?
    public var qtyOrdered: Decimal {
        get { _qtyOrdered.decimal }
        set { _qtyOrdered = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _qtyOrdered: Amount
    /// Net unit price.
    public var unitPrice: Decimal {
        get { _unitPrice.decimal }
        set { _unitPrice = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _unitPrice: Amount
    /// Net discount per unit, so that qty x (price - discount) is Magento's discounted row.
    public var unitDiscountAmount: Decimal? {
        get { _unitDiscountAmount?.decimal }
        set { _unitDiscountAmount = newValue.map(Amount.init) }
    }
    /// Backing storage: the mapping computes with it.
    var _unitDiscountAmount: Amount?
    /// Sage tax code as an integer: 1 for T1.
    public var taxCode: Int?
    public var nominalCode: String?
    public var department: Int?
    /// Quantity Sage allocated (success files only).
    public var qtyAllocated: Decimal? {
        get { _qtyAllocated?.decimal }
        set { _qtyAllocated = newValue.map(Amount.init) }
    }
    /// Backing storage: the mapping computes with it.
    var _qtyAllocated: Amount?

    /// Creates an item.
    public init(
        sku: String, name: String? = nil, description: String? = nil, qtyOrdered: Decimal, unitPrice: Decimal,
        unitDiscountAmount: Decimal? = nil, taxCode: Int? = nil, nominalCode: String? = nil,
        department: Int? = nil, qtyAllocated: Decimal? = nil
    ) {
        self.init(
            sku: sku, name: name, description: description, qtyOrdered: Amount(qtyOrdered), unitPrice: Amount(unitPrice),
            unitDiscountAmount: unitDiscountAmount.map(Amount.init), taxCode: taxCode, nominalCode: nominalCode,
            department: department, qtyAllocated: qtyAllocated.map(Amount.init))
    }

    /// Creates an item from amounts already computed (the mapping, the file reader).
    init(
        sku: String, name: String?, description: String? = nil, qtyOrdered: Amount, unitPrice: Amount,
        unitDiscountAmount: Amount?, taxCode: Int?, nominalCode: String?, department: Int? = nil,
        qtyAllocated: Amount? = nil
    ) {
        self.sku = sku
        self.name = name
        self.description = description
        self._qtyOrdered = qtyOrdered
        self._unitPrice = unitPrice
        self._unitDiscountAmount = unitDiscountAmount
        self.taxCode = taxCode
        self.nominalCode = nominalCode
        self.department = department
        self._qtyAllocated = qtyAllocated
    }

    /// The net line total as Sage computes it: qty x (unit price - unit discount), rounded to pennies.
    public var sageNet: Decimal { exactSageNet.decimal }

    /// ``sageNet`` as the mapping computes with it.
    var exactSageNet: Amount {
        (_qtyOrdered * (_unitPrice - (_unitDiscountAmount ?? .zero))).rounded(2)
    }
}

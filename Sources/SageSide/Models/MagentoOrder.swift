public import Foundation

/// One Magento order as the Magento connector's "Download Orders" writes it (`ArrayOfOrderInfo/OrderInfo`).
///
/// Only the fields the Sage mapping reads are kept; the rest of the record stays in the input file. Amounts are
/// in the order currency, as Decimal from the text.
public struct MagentoOrder: Sendable, Hashable {
    /// `order_id`: Magento's entity id, the duplicate-prevention key (`SalesOrder/Id`).
    public var entityId: String
    /// `increment_id`: the order number the customer sees (`CustomerOrderNumber`).
    public var incrementId: String
    /// `created_at`, "YYYY-MM-DD HH:MM:SS" in UTC.
    public var createdAt: String
    /// `customer_id`; nil or empty for guests.
    public var customerId: String?
    /// `customer_email`.
    public var customerEmail: String?
    /// `customer_firstname`.
    public var customerFirstname: String?
    /// `customer_lastname`.
    public var customerLastname: String?
    /// `customer_is_guest` = 1, or no customer id.
    public var isGuest: Bool
    /// `customer_taxvat` (field or element): a VAT number makes an EU order "EU VAT-registered".
    public var customerTaxvat: String?
    /// `order_currency_code`.
    public var currency: String
    /// `subtotal`.
    public var subtotal: Decimal
    /// `tax_amount`.
    public var taxAmount: Decimal
    /// `shipping_amount` (net).
    public var shippingAmount: Decimal
    /// `shipping_tax_amount`.
    public var shippingTaxAmount: Decimal
    /// `discount_amount` (Magento writes it negative at order level).
    public var discountAmount: Decimal
    /// `grand_total`: what the customer paid; Sage's totals must reconcile with it.
    public var grandTotal: Decimal
    /// `shipping_method`, e.g. `flatrate_flatrate`.
    public var shippingMethod: String?
    /// `shipping_description`, e.g. "Flat Rate - Fixed".
    public var shippingDescription: String?
    /// `billing_address`.
    public var billingAddress: MagentoAddress?
    /// `shipping_address`.
    public var shippingAddress: MagentoAddress?
    /// `items/OrderProduct`, in file order (parents before their children).
    public var items: [MagentoOrderItem]
    /// `payment`.
    public var payment: MagentoPayment?
    /// Line of the record in its file, for messages.
    public var line: Int

    /// Creates an order; tests and generators use this, files go through ``init(record:)``.
    public init(
        entityId: String, incrementId: String, createdAt: String, customerId: String? = nil,
        customerEmail: String? = nil, customerFirstname: String? = nil, customerLastname: String? = nil,
        isGuest: Bool = false, customerTaxvat: String? = nil, currency: String = "GBP", subtotal: Decimal = 0,
        taxAmount: Decimal = 0, shippingAmount: Decimal = 0, shippingTaxAmount: Decimal = 0,
        discountAmount: Decimal = 0, grandTotal: Decimal = 0, shippingMethod: String? = nil,
        shippingDescription: String? = nil, billingAddress: MagentoAddress? = nil,
        shippingAddress: MagentoAddress? = nil, items: [MagentoOrderItem] = [], payment: MagentoPayment? = nil,
        line: Int = 0
    ) {
        self.entityId = entityId
        self.incrementId = incrementId
        self.createdAt = createdAt
        self.customerId = customerId
        self.customerEmail = customerEmail
        self.customerFirstname = customerFirstname
        self.customerLastname = customerLastname
        self.isGuest = isGuest
        self.customerTaxvat = customerTaxvat
        self.currency = currency
        self.subtotal = subtotal
        self.taxAmount = taxAmount
        self.shippingAmount = shippingAmount
        self.shippingTaxAmount = shippingTaxAmount
        self.discountAmount = discountAmount
        self.grandTotal = grandTotal
        self.shippingMethod = shippingMethod
        self.shippingDescription = shippingDescription
        self.billingAddress = billingAddress
        self.shippingAddress = shippingAddress
        self.items = items
        self.payment = payment
        self.line = line
    }
}

/// `shipping_address` or `billing_address` of a Magento order.
public struct MagentoAddress: Sendable, Hashable {
    public var firstname: String?
    public var lastname: String?
    public var company: String?
    /// `street`, split on newlines (Magento keeps street lines in one field).
    public var street: [String]
    public var city: String?
    public var region: String?
    public var postcode: String?
    /// `country_id`, ISO 3166 alpha-2.
    public var countryId: String?
    public var telephone: String?
    public var fax: String?
    /// `vat_id` of the address (Magento 2 keeps the VAT number here).
    public var vatId: String?

    /// Creates an address.
    public init(
        firstname: String? = nil, lastname: String? = nil, company: String? = nil, street: [String] = [],
        city: String? = nil, region: String? = nil, postcode: String? = nil, countryId: String? = nil,
        telephone: String? = nil, fax: String? = nil, vatId: String? = nil
    ) {
        self.firstname = firstname
        self.lastname = lastname
        self.company = company
        self.street = street
        self.city = city
        self.region = region
        self.postcode = postcode
        self.countryId = countryId
        self.telephone = telephone
        self.fax = fax
        self.vatId = vatId
    }
}

/// One `items/OrderProduct` row. Configurable and bundle products appear as a parent row plus child rows whose
/// `parentItemId` names the parent's `itemId`.
public struct MagentoOrderItem: Sendable, Hashable {
    public var itemId: String
    public var parentItemId: String?
    public var sku: String
    public var name: String
    /// `simple`, `configurable`, `bundle`, `virtual`, `downloadable`, `grouped`.
    public var productType: String
    public var qtyOrdered: Decimal
    /// `price`: unit price excluding tax, in the order currency.
    public var price: Decimal
    /// `tax_percent`, e.g. 20.
    public var taxPercent: Decimal
    public var taxAmount: Decimal
    /// `discount_amount` for the whole row (positive).
    public var discountAmount: Decimal
    /// `row_total`: Magento's net row before discount; may differ from qty x price by a penny (gross pricing).
    public var rowTotal: Decimal

    /// Creates an item row.
    public init(
        itemId: String, parentItemId: String? = nil, sku: String, name: String, productType: String = "simple",
        qtyOrdered: Decimal, price: Decimal, taxPercent: Decimal = 0, taxAmount: Decimal = 0,
        discountAmount: Decimal = 0, rowTotal: Decimal? = nil
    ) {
        self.itemId = itemId
        self.parentItemId = parentItemId
        self.sku = sku
        self.name = name
        self.productType = productType
        self.qtyOrdered = qtyOrdered
        self.price = price
        self.taxPercent = taxPercent
        self.taxAmount = taxAmount
        self.discountAmount = discountAmount
        self.rowTotal = rowTotal ?? (qtyOrdered * price)
    }
}

/// `payment` of a Magento order.
public struct MagentoPayment: Sendable, Hashable {
    /// `method`, e.g. `checkmo`, `braintree`.
    public var method: String
    /// `amount_ordered`.
    public var amountOrdered: Decimal
    /// `po_number`.
    public var poNumber: String?

    /// Creates a payment.
    public init(method: String, amountOrdered: Decimal, poNumber: String? = nil) {
        self.method = method
        self.amountOrdered = amountOrdered
        self.poNumber = poNumber
    }
}

public import Foundation

/// One Magento order as the Magento connector's "Download Orders" writes it (`ArrayOfOrderInfo/OrderInfo`).
///
/// Only the fields the Sage mapping reads are kept; the rest of the record stays in the input file. Amounts are
/// in the order currency, exact from the text (`Decimal` in the API, ``Amount`` inside the mapping).
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
    public var subtotal: Decimal {
        get { _subtotal.decimal }
        set { _subtotal = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _subtotal: Amount
    /// `tax_amount`.
    public var taxAmount: Decimal {
        get { _taxAmount.decimal }
        set { _taxAmount = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _taxAmount: Amount
    /// `shipping_amount` (net).
    public var shippingAmount: Decimal {
        get { _shippingAmount.decimal }
        set { _shippingAmount = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _shippingAmount: Amount
    /// `shipping_tax_amount`.
    public var shippingTaxAmount: Decimal {
        get { _shippingTaxAmount.decimal }
        set { _shippingTaxAmount = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _shippingTaxAmount: Amount
    /// `discount_amount` (Magento writes it negative at order level).
    public var discountAmount: Decimal {
        get { _discountAmount.decimal }
        set { _discountAmount = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _discountAmount: Amount
    /// `grand_total`: what the customer paid; Sage's totals must reconcile with it.
    public var grandTotal: Decimal {
        get { _grandTotal.decimal }
        set { _grandTotal = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _grandTotal: Amount
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
    /// `shipping_discount_amount`: the part of the discount taken off shipping (positive; gross on a store whose
    /// discounts apply to prices including tax).
    public var shippingDiscountAmount: Decimal {
        get { _shippingDiscountAmount.decimal }
        set { _shippingDiscountAmount = Amount(newValue) }
    }
    var _shippingDiscountAmount: Amount = .zero
    /// `shipping_discount_tax_compensation_amount`: the VAT the shipping discount took off gross shipping.
    public var shippingDiscountTaxCompensationAmount: Decimal {
        get { _shippingDiscountTaxCompensationAmount.decimal }
        set { _shippingDiscountTaxCompensationAmount = Amount(newValue) }
    }
    var _shippingDiscountTaxCompensationAmount: Amount = .zero
    /// `coupon_code`, for Sage's notes.
    public var couponCode: String?
    /// `customer_note`, for Sage's notes.
    public var customerNote: String?
    /// The gift message (`extension_attributes/gift_message/message` or `gift_message`), for Sage's notes.
    public var giftMessage: String?
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
        self.init(
            entityId: entityId, incrementId: incrementId, createdAt: createdAt, customerId: customerId,
            customerEmail: customerEmail, customerFirstname: customerFirstname, customerLastname: customerLastname,
            isGuest: isGuest, customerTaxvat: customerTaxvat, currency: currency, subtotal: Amount(subtotal),
            taxAmount: Amount(taxAmount), shippingAmount: Amount(shippingAmount),
            shippingTaxAmount: Amount(shippingTaxAmount), discountAmount: Amount(discountAmount),
            grandTotal: Amount(grandTotal), shippingMethod: shippingMethod, shippingDescription: shippingDescription,
            billingAddress: billingAddress, shippingAddress: shippingAddress, items: items, payment: payment,
            line: line)
    }

    /// Creates an order from amounts already parsed (the file reader).
    init(
        entityId: String, incrementId: String, createdAt: String, customerId: String?, customerEmail: String?,
        customerFirstname: String?, customerLastname: String?, isGuest: Bool, customerTaxvat: String?,
        currency: String, subtotal: Amount, taxAmount: Amount, shippingAmount: Amount, shippingTaxAmount: Amount,
        discountAmount: Amount, grandTotal: Amount, shippingMethod: String?, shippingDescription: String?,
        billingAddress: MagentoAddress?, shippingAddress: MagentoAddress?, items: [MagentoOrderItem],
        payment: MagentoPayment?, line: Int
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
        self._subtotal = subtotal
        self._taxAmount = taxAmount
        self._shippingAmount = shippingAmount
        self._shippingTaxAmount = shippingTaxAmount
        self._discountAmount = discountAmount
        self._grandTotal = grandTotal
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
    public var qtyOrdered: Decimal {
        get { _qtyOrdered.decimal }
        set { _qtyOrdered = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _qtyOrdered: Amount
    /// `price`: unit price excluding tax, in the order currency.
    public var price: Decimal {
        get { _price.decimal }
        set { _price = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _price: Amount
    /// `tax_percent`, e.g. 20.
    public var taxPercent: Decimal {
        get { _taxPercent.decimal }
        set { _taxPercent = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _taxPercent: Amount
    public var taxAmount: Decimal {
        get { _taxAmount.decimal }
        set { _taxAmount = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _taxAmount: Amount
    /// `discount_amount` for the whole row (positive).
    public var discountAmount: Decimal {
        get { _discountAmount.decimal }
        set { _discountAmount = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _discountAmount: Amount
    /// `row_total`: Magento's net row before discount; may differ from qty x price by a penny (gross pricing).
    public var rowTotal: Decimal {
        get { _rowTotal.decimal }
        set { _rowTotal = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _rowTotal: Amount
    /// `discount_tax_compensation_amount`: the VAT a discount took off a gross row (0 when prices are net).
    public var discountTaxCompensationAmount: Decimal {
        get { _discountTaxCompensationAmount.decimal }
        set { _discountTaxCompensationAmount = Amount(newValue) }
    }
    var _discountTaxCompensationAmount: Amount = .zero
    /// `price_incl_tax`, the unit price shown to a customer of a store pricing gross (nil when not downloaded).
    public var priceInclTax: Decimal? {
        get { _priceInclTax?.decimal }
        set { _priceInclTax = newValue.map(Amount.init) }
    }
    var _priceInclTax: Amount?

    /// Creates an item row.
    public init(
        itemId: String, parentItemId: String? = nil, sku: String, name: String, productType: String = "simple",
        qtyOrdered: Decimal, price: Decimal, taxPercent: Decimal = 0, taxAmount: Decimal = 0,
        discountAmount: Decimal = 0, rowTotal: Decimal? = nil
    ) {
        self.init(
            itemId: itemId, parentItemId: parentItemId, sku: sku, name: name, productType: productType,
            qtyOrdered: Amount(qtyOrdered), price: Amount(price), taxPercent: Amount(taxPercent),
            taxAmount: Amount(taxAmount), discountAmount: Amount(discountAmount), rowTotal: rowTotal.map(Amount.init))
    }

    /// Creates an item row from amounts already parsed (the file reader).
    init(
        itemId: String, parentItemId: String?, sku: String, name: String, productType: String, qtyOrdered: Amount,
        price: Amount, taxPercent: Amount, taxAmount: Amount, discountAmount: Amount, rowTotal: Amount?
    ) {
        self.itemId = itemId
        self.parentItemId = parentItemId
        self.sku = sku
        self.name = name
        self.productType = productType
        self._qtyOrdered = qtyOrdered
        self._price = price
        self._taxPercent = taxPercent
        self._taxAmount = taxAmount
        self._discountAmount = discountAmount
        self._rowTotal = rowTotal ?? qtyOrdered * price
    }
}

/// `payment` of a Magento order.
public struct MagentoPayment: Sendable, Hashable {
    /// `method`, e.g. `checkmo`, `braintree`.
    public var method: String
    /// `amount_ordered`.
    public var amountOrdered: Decimal {
        get { _amountOrdered.decimal }
        set { _amountOrdered = Amount(newValue) }
    }
    /// Backing storage: the mapping computes with it.
    var _amountOrdered: Amount
    /// `po_number`.
    public var poNumber: String?

    /// Creates a payment.
    public init(method: String, amountOrdered: Decimal, poNumber: String? = nil) {
        self.init(method: method, amountOrdered: Amount(amountOrdered), poNumber: poNumber)
    }

    /// Creates a payment from an amount already parsed (the file reader).
    init(method: String, amountOrdered: Amount, poNumber: String?) {
        self.method = method
        self._amountOrdered = amountOrdered
        self.poNumber = poNumber
    }
}

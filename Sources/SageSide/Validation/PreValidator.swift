public import Foundation

/// One reason Sage 50 would reject an order: the field, its value and the limit.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    /// The field's path in the sales order, e.g. `SalesOrderDeliveryAddress/Address1`.
    public var field: String
    /// The offending value.
    public var value: String
    /// The rule, e.g. "at most 60 characters".
    public var limit: String

    /// The `<Description>` of the Zynk error: field, value, limit.
    public var description: String { "\(field): '\(value)' breaks the Sage 50 limit: \(limit)" }
}

/// The outcome of pre-validating one order.
public struct ValidationOutcome: Sendable, Hashable {
    /// The order as it may go to Sage (fields truncated when `longFields` is `truncate`).
    public var order: SalesOrder
    /// Why Sage would reject it; empty when it may go.
    public var violations: [Violation]
    /// Fields shortened (truncate mode), as `field (61 > 60)`.
    public var truncations: [String]

    /// True when the order may go to Sage.
    public var passed: Bool { violations.isEmpty }
}

/// Sage 50's limits, checked before an order leaves so that Sage never rejects it half-way.
public struct PreValidator: Sendable {
    /// Account reference characters (after upper-casing, no spaces).
    public static let accountCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#_/!%&.-$()\"',")
    /// Stock code characters.
    public static let stockCodeCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/.-#")
    /// Upper bound on name and address lines.
    public static let textLimit = 60

    /// The mapping settings (tolerance, long-field policy, tax rates).
    public let settings: OrderMappingSettings
    private let mapper: OrderMapper
    private let tolerance: Amount

    /// Creates a validator.
    public init(settings: OrderMappingSettings) {
        self.init(settings: settings, mapper: OrderMapper(settings: settings))
    }

    /// A validator sharing `mapper` (built from the same settings) with the file mapper that owns both.
    init(settings: OrderMappingSettings, mapper: OrderMapper) {
        self.settings = settings
        self.mapper = mapper
        self.tolerance = Amount(settings.totalTolerance)
    }

    /// Checks `order` against Sage 50's limits and its totals against Magento's `grandTotal`.
    public func validate(_ order: SalesOrder, grandTotal: Decimal?) -> ValidationOutcome {
        validate(order, exactGrandTotal: grandTotal.map(Amount.init))
    }

    /// ``validate(_:grandTotal:)`` with the grand total as the mapping holds it.
    func validate(_ order: SalesOrder, exactGrandTotal grandTotal: Amount?) -> ValidationOutcome {
        var check = Checker(truncate: settings.longFields == "truncate")
        var order = order
        check.require(!order.id.isEmpty, "Id", order.id, "an external id is required (duplicate prevention)")
        if let account = order.accountReference {
            check.require(
                account.count <= 8 && !account.isEmpty, "AccountReference", account, "1 to 8 characters")
            check.require(
                account.allSatisfy(Self.accountCharacters.contains), "AccountReference", account,
                "upper case A-Z, 0-9 and #_/!%&.-$()\"', only, no spaces")
        } else {
            let name = order.invoiceAddress?.surname ?? order.invoiceAddress?.company
            check.require(
                name != nil, "SalesOrderAddress/Surname", "",
                "an account is created from the invoice name when AccountReference is empty")
        }
        if let number = order.salesOrderNumber {
            check.require(
                number.count <= 7 && !number.isEmpty && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber),
                "SalesOrderNumber", number, "an integer of at most 7 digits (manual numbering)")
        }
        if let number = order.customerOrderNumber {
            check.require(number.count <= 60, "CustomerOrderNumber", number, "at most 60 characters")
        }
        if let currency = order.currency {
            check.require(
                currency.count == 3 && currency.allSatisfy({ $0.isASCII && $0.isUppercase }), "Currency", currency,
                "a 3-letter ISO code")
        }
        order.notes1 = check.text(order.notes1, "Notes1", 60)
        order.notes2 = check.text(order.notes2, "Notes2", 60)
        order.notes3 = check.text(order.notes3, "Notes3", 60)
        order.invoiceAddress = order.invoiceAddress.map { check.contact($0, "SalesOrderAddress") }
        order.deliveryAddress = order.deliveryAddress.map { check.contact($0, "SalesOrderDeliveryAddress") }

        check.require(!order.items.isEmpty, "SalesOrderItems", "", "at least one item line")
        for index in order.items.indices {
            // Paths and values are only made into text for a violation (most orders have none).
            let path = { "SalesOrderItems/Item[\(index + 1)]" }
            let item = order.items[index]
            check.require(
                !item.sku.isEmpty && item.sku.count <= 30, "\(path())/Sku", item.sku, "1 to 30 characters")
            check.require(
                item.sku.allSatisfy(Self.stockCodeCharacters.contains), "\(path())/Sku", item.sku,
                "stock codes use upper case A-Z, 0-9 and / . - # only")
            if let line = check.line(item, path) { order.items[index] = line }
        }
        if let carriage = order.carriage, let line = check.line(carriage, { "Carriage" }, isCarriage: true) {
            order.carriage = line
        }

        let paymentFields = [order.paymentRef, order.bankAccount, order.paymentType]
        if order._paymentAmount != nil || paymentFields.contains(where: { $0 != nil }) {
            order.paymentRef = check.text(order.paymentRef, "PaymentRef", 30)
            let bank = order.bankAccount ?? ""
            check.require(!bank.isEmpty && bank.count <= 8, "BankAccount", bank, "1 to 8 characters")
            let amount = order._paymentAmount ?? .zero
            check.require(amount > .zero, "PaymentAmount", amount.amountText, "greater than 0")
            let type = order.paymentType ?? "SalesReceipt"
            check.require(
                ["SalesReceipt", "PaymentAlreadyReceived"].contains(type), "PaymentType", type,
                "SalesReceipt or PaymentAlreadyReceived")
        }
        if let grandTotal {
            let predicted = mapper.exactPredictedSageTotal(order)
            check.require(
                (predicted - grandTotal).magnitude <= tolerance, "Totals",
                "Sage \(predicted.amountText) vs Magento grand_total \(grandTotal.amountText)",
                "within \(settings.totalTolerance.amountText)")
        }
        if !check.truncations.isEmpty {
            // Never silently: the record itself says what was shortened.
            let note = "ferry truncated: " + check.truncations.map { $0.components(separatedBy: " ")[0] }
                .joined(separator: ", ")
            order.notes3 = String(note.prefix(60))
        }
        return ValidationOutcome(order: order, violations: check.violations, truncations: check.truncations)
    }
}

/// Accumulates violations; truncates text when allowed.
private struct Checker {
    let truncate: Bool
    var violations: [Violation] = []
    var truncations: [String] = []

    mutating func require(
        _ condition: Bool, _ field: @autoclosure () -> String, _ value: @autoclosure () -> String, _ limit: String
    ) {
        if !condition { violations.append(Violation(field: field(), value: value(), limit: limit)) }
    }

    /// Checks a free-text field's length, truncating it in truncate mode.
    mutating func text(_ value: String?, _ field: @autoclosure () -> String, _ limit: Int) -> String? {
        guard let value, value.utf8.count > limit, value.count > limit else { return value }
        let field = field()
        if truncate {
            truncations.append("\(field) (\(value.count) > \(limit))")
            return String(value.prefix(limit))
        }
        violations.append(Violation(field: field, value: value, limit: "at most \(limit) characters"))
        return value
    }

    mutating func contact(_ contact: SalesOrderContact, _ path: String) -> SalesOrderContact {
        var contact = contact
        for (name, value) in contact.fields {
            guard let value else { continue }
            switch name {
            case "Email":
                require(value.count <= 255, "\(path)/Email", value, "at most 255 characters")
            case "Country":
                require(
                    value.count == 2 && value.allSatisfy({ $0.isASCII && $0.isLetter }), "\(path)/Country", value,
                    "a 2-letter ISO country code")
            case "Telephone", "Fax", "Title":
                if let short = text(value, "\(path)/\(name)", 30), short.utf8.count != value.utf8.count {
                    contact.set(name, short)
                }
            default:
                if let short = text(value, "\(path)/\(name)", PreValidator.textLimit),
                    short.utf8.count != value.utf8.count
                {
                    contact.set(name, short)
                }
            }
        }
        return contact
    }

    /// Checks a line; returns it when truncation changed it, nil when unchanged (no copy for the usual line).
    mutating func line(_ item: SalesOrderItem, _ path: () -> String, isCarriage: Bool = false) -> SalesOrderItem? {
        let name = text(item.name, "\(path())/Name", 60)
        let description = text(item.description, "\(path())/Description", 60)
        require(item._qtyOrdered > .zero || isCarriage, "\(path())/QtyOrdered", item._qtyOrdered.amountText, "greater than 0")
        require(item._unitPrice >= .zero, "\(path())/UnitPrice", item._unitPrice.amountText, "not negative")
        if let code = item.taxCode {
            require((0...99).contains(code), "\(path())/TaxCode", "\(code)", "a tax code T0..T99")
        }
        if let nominal = item.nominalCode {
            require(nominal.count <= 8 && !nominal.isEmpty, "\(path())/NominalCode", nominal, "1 to 8 characters")
        }
        guard name != item.name || description != item.description else { return nil }
        var item = item
        item.name = name
        item.description = description
        return item
    }
}

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

    /// Creates a validator.
    public init(settings: OrderMappingSettings) {
        self.init(settings: settings, mapper: OrderMapper(settings: settings))
    }

    /// A validator sharing `mapper` (built from the same settings) with the file mapper that owns both.
    init(settings: OrderMappingSettings, mapper: OrderMapper) {
        self.settings = settings
        self.mapper = mapper
    }

    /// Checks `order` against Sage 50's limits and its totals against Magento's `grandTotal`.
    public func validate(_ order: SalesOrder, grandTotal: Decimal?) -> ValidationOutcome {
        validate(order, exactGrandTotal: grandTotal.map(Amount.init))
    }

    /// Checks a mapped order: Sage 50's limits, the reasons the mapping found, and Sage's total against Magento's
    /// `grand_total` to the penny, naming each line whose Sage figure is not Magento's.
    public func validate(_ mapped: MappedOrder) -> ValidationOutcome {
        validate(
            mapped.salesOrder, exactGrandTotal: mapped._grandTotal, targets: mapped.targets,
            mappingViolations: mapped.violations)
    }

    /// ``validate(_:grandTotal:)`` with the grand total as the mapping holds it.
    func validate(
        _ order: SalesOrder, exactGrandTotal grandTotal: Amount?, targets: [MoneyTarget] = [],
        mappingViolations: [Violation] = []
    ) -> ValidationOutcome {
        var check = Checker(
            truncate: settings.longFields == "truncate", replaceUnencodable: settings.unencodableText == "replace")
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
        order.invoiceAddress = order.invoiceAddress.map { check.contact($0, "SalesOrderAddress") }
        order.deliveryAddress = order.deliveryAddress.map { check.contact($0, "SalesOrderDeliveryAddress") }

        check.require(!order.items.isEmpty, "SalesOrderItems", "", "at least one item line")
        for index in order.items.indices {
            // Paths and values are only made into text for a violation (most orders have none).
            let path = { "SalesOrderItems/Item[\(index + 1)]" }
            let item = order.items[index]
            let map = "; map the SKU to a stock code in the mapping's `stockCodes` setting"
            check.require(
                !item.sku.isEmpty && item.sku.count <= 30, "\(path())/Sku", item.sku, "1 to 30 characters" + map)
            check.require(
                item.sku.allSatisfy(Self.stockCodeCharacters.contains), "\(path())/Sku", item.sku,
                "stock codes use upper case A-Z, 0-9 and / . - # only" + map)
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
        check.violations += mappingViolations
        // A refusal the mapping found (an unmapped rate, fractions of a penny) is the reason; the totals it
        // upsets would only repeat it.
        if let grandTotal, mappingViolations.isEmpty {
            totals(order, grandTotal: grandTotal, targets: targets, into: &check)
        }
        // The notes never fail an order: what does not fit is cut, and the record in the last notes says so.
        let text = [order.notes1, order.notes2, order.notes3].compactMap { $0 }.joined()
        if !check.truncations.isEmpty || text.count > 3 * SageNotes.width {
            let fields = check.truncations.map { $0.components(separatedBy: " (")[0] }
            let (notes, cut) = SageNotes.layout(text: text, truncated: fields)
            if cut { check.truncations.append("Notes (\(text.count) > \(3 * SageNotes.width))") }
            (order.notes1, order.notes2, order.notes3) = (notes[0], notes[1], notes[2])
        }
        return ValidationOutcome(order: order, violations: check.violations, truncations: check.truncations)
    }
}

extension PreValidator {
    /// Every line's Sage figure (``SageDocumentTotal``) must be Magento's and Sage's total `grandTotal`, exactly;
    /// each line that differs is named with both figures and the cause.
    fileprivate func totals(_ order: SalesOrder, grandTotal: Amount, targets: [MoneyTarget], into check: inout Checker) {
        let document = mapper.sageDocumentTotal(order)
        let inclusive = order.vatInclusive == true
        for (index, (line, target)) in zip(document.lines, targets).enumerated() where line._gross != target.gross {
            let item = line.path == "Carriage" ? order.carriage : order.items[safe: index]
            let cause: String
            if !inclusive && line._vat != target.vat {
                cause = "Sage's VAT on the net \(line._net.amountText) at T\(item?.taxCode ?? 1) is "
                    + "\(line._vat.amountText), Magento's tax_amount \(target.vat.amountText)"
            } else {
                cause = "qty x (UnitPrice - UnitDiscountAmount) rounds to \(line._net.amountText) "
                    + (inclusive ? "gross" : "net")
            }
            check.require(
                false, line.path,
                "\(target.sku): Sage \(line._gross.amountText) vs Magento \(target.gross.amountText)",
                "equal to the penny (\(cause))")
        }
        // Lines that differ are refused even when their errors cancel out in the total: Sage would book other VAT.
        guard document._total != grandTotal else { return }
        let magento = targets.reduce(Amount.zero) { $0 + $1.gross }
        let why =
            !targets.isEmpty && magento != grandTotal
            ? "equal to the penny: Magento's rows and shipping add up to \(magento.amountText), not to its "
                + "grand_total (a fee or adjustment ferry does not map, or fractions of a penny)"
            : "equal to the penny"
        check.require(
            false, "Totals", "Sage \(document._total.amountText) vs Magento grand_total \(grandTotal.amountText)", why)
    }
}

extension Array {
    fileprivate subscript(safe index: Int?) -> Element? {
        guard let index, indices.contains(index) else { return nil }
        return self[index]
    }
}

/// Accumulates violations; truncates text when allowed.
private struct Checker {
    let truncate: Bool
    /// Characters Windows-1252 cannot hold become "?" and are recorded (else the order fails).
    let replaceUnencodable: Bool
    var violations: [Violation] = []
    var truncations: [String] = []

    mutating func require(
        _ condition: Bool, _ field: @autoclosure () -> String, _ value: @autoclosure () -> String, _ limit: String
    ) {
        if !condition { violations.append(Violation(field: field(), value: value(), limit: limit)) }
    }

    /// Checks a free-text field's length, truncating it in truncate mode.
    mutating func text(_ value: String?, _ field: @autoclosure () -> String, _ limit: Int) -> String? {
        guard var value else { return nil }
        // Sage 50's code page first: transliterated text is what the length limit applies to.
        let (held, unencodable) = Windows1252.transliterate(value)
        if !unencodable.isEmpty && !replaceUnencodable {
            violations.append(
                Violation(
                    field: field(), value: value,
                    limit: "Windows-1252 (Sage 50's code page) cannot hold '\(unencodable)': write it in Latin "
                        + "letters in Magento, or set `unencodableText` to \"replace\""))
            return value
        }
        if !unencodable.isEmpty { truncations.append("\(field()) (code page: '\(unencodable)')") }
        value = held
        guard value.utf8.count > limit, value.count > limit else { return value }
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
                if let short = text(value, "\(path)/\(name)", 30), short != value {
                    contact.set(name, short)
                }
            default:
                if let short = text(value, "\(path)/\(name)", PreValidator.textLimit), short != value {
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

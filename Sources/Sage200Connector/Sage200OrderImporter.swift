import FerryPipeline
import FerryValues
public import Foundation
public import Logging
import MagentoConnector
public import SageSide

/// What importing one Magento order into Sage 200 did.
public enum Sage200ImportOutcome: Sendable, Hashable {
    /// Sage created the order now.
    case created(documentNo: String, sageId: Int)
    /// A POST whose answer was lost had created it: found by `customer_document_no` and adopted, not sent again.
    case adopted(documentNo: String, sageId: Int)
    /// The ledger says Sage already has it (a re-run, or Magento sent it again).
    case alreadyImported(documentNo: String)
    /// Sage cannot take it as it is: the reason, for the fail file.
    case refused(String)

    /// Sage's order number, when Sage has the order.
    public var documentNo: String? {
        switch self {
        case .created(let number, _), .adopted(let number, _), .alreadyImported(let number): number
        case .refused: nil
        }
    }
}

/// Imports Magento orders as Sage 200 sales orders, exactly once: customer found or created, stock lines by
/// product code, carriage as a charge line, record ids looked up and cached, lines priced so that Sage's total is
/// Magento's `grand_total` to the penny (``Sage200LinePricing``), and the ledger written before and after each POST.
public final class Sage200OrderImporter: Sendable {
    private let client: Sage200Client
    private let ledger: Sage200Ledger
    private let settings: Sage200OrderSettings
    private let lookups: Sage200Lookups
    private let logger: Logger

    /// POSTs of one order in one run, each after a search found nothing, before the file is left for a retry.
    static let maxPosts = 3

    /// How long after a POST with no clear answer (no answer, a cut one, a gateway's 502, 503 or 504) ferry waits
    /// before it may send the order again, when a search does not find it. The gateway gives up before the
    /// on-premise server behind it does: a search at once can miss an order still being created. Twice the request
    /// timeout by default.
    public let undecidedSeconds: Double

    /// Creates an importer; look-ups are cached for its lifetime.
    public init(
        client: Sage200Client, ledger: Sage200Ledger, settings: Sage200OrderSettings, logger: Logger,
        undecidedSeconds: Double? = nil
    ) {
        self.client = client
        self.ledger = ledger
        self.settings = settings
        self.lookups = Sage200Lookups(client: client)
        self.logger = logger
        self.undecidedSeconds = undecidedSeconds ?? 2 * client.configuration.http.requestTimeout
    }

    /// Imports one order.
    /// - Throws: ``Sage200Error`` when Sage could not be reached or asked for a retry (the file is retried later;
    ///   the ledger makes the retry safe).
    public func importOrder(_ order: SageSide.MagentoOrder) async throws -> Sage200ImportOutcome {
        let ledger = self.ledger
        let id = order.entityId
        let meta: Logger.Metadata = ["ferry.order": "\(order.incrementId)"]
        let recorded = try await offload { try ledger.entry(externalId: id) }
        if let entry = recorded {
            if entry.state == "created", let number = entry.documentNo { return .alreadyImported(documentNo: number) }
            // A POST was sent and its answer never recorded: ask Sage before anything else.
            if let found = try await search(order.incrementId) {
                try await record(order, found)
                logger.info("order found in Sage after a lost answer; adopted", metadata: meta)
                return .adopted(documentNo: found.documentNo, sageId: found.id)
            }
            // Not there yet, but the server may still be creating it: no second POST before the wait is over.
            // `since` has whole seconds: the wait counts from the end of that second.
            if undecidedSeconds > 0, let since = entry.since, case let waited = Date().timeIntervalSince(since) - 1,
                waited < undecidedSeconds
            {
                throw undecided(order, waited: waited)
            }
        }
        let body: JSONValue
        switch try await build(order) {
        case .failure(let reason):
            // A row left `posting` by its account's POST goes: nothing of the order is in flight now.
            if recorded?.state == "posting" { try await offload { try ledger.refused(externalId: id) } }
            return .refused(reason.description)
        case .success(let built): body = built
        }
        for post in 1...Self.maxPosts {
            let increment = order.incrementId
            try await offload { try ledger.willPost(externalId: id, incrementId: increment) }
            do {
                let answer = try await client.send("POST", "/sop_orders", body: body, idempotent: false)
                guard let sageId = answer["id"]?.int, let number = answer["document_no"]?.text else {
                    throw Sage200Error(code: .invalidResponse, status: 200, method: "POST", path: "/sop_orders", message: "no id or document_no")
                }
                let found = Found(id: sageId, documentNo: number)
                try await record(order, found)
                if let total = answer["total_gross_value"]?.decimal, total != order.grandTotal {
                    // The pricing predicts Sage's documented VAT rounding; a site rounding otherwise shows here.
                    logger.error(
                        "Sage 200 order \(number) totals \(total) but Magento's grand_total is \(order.grandTotal): check the company's VAT rounding",
                        metadata: meta)
                }
                return .created(documentNo: number, sageId: sageId)
            } catch let error as Sage200Error {
                // Whatever the failure, Sage may have acted (a 400 may even leave part of an order): look first.
                if let found = try await search(order.incrementId) {
                    try await record(order, found)
                    logger.info("order created by a POST whose answer was lost; adopted", metadata: meta)
                    return .adopted(documentNo: found.documentNo, sageId: found.id)
                }
                if error.code == .http, let status = error.status, (400..<500).contains(status), status != 429 {
                    try await offload { try ledger.refused(externalId: id) }
                    return .refused("Sage 200 refused the order: \(error.message)")
                }
                // The ledger row stays `posting`: a later attempt searches again, and posts only after the wait.
                if Self.mayStillRun(error) {
                    logger.warning("POST /sop_orders got no clear answer and Sage has no such order yet: \(error)", metadata: meta)
                    throw undecided(order, waited: 0)
                }
                guard error.isTransient, post < Self.maxPosts else { throw error }
                logger.warning("POST /sop_orders failed and Sage has no such order; sending again: \(error)", metadata: meta)
            }
        }
        throw Sage200Error(code: .transport, method: "POST", path: "/sop_orders", message: "gave up after \(Self.maxPosts) attempts")
    }

    /// True when Sage may still be working on the POST that failed: no answer (a timeout, a cut answer) or a
    /// gateway's 502, 503 or 504 (Sage 200 answers through Azure API Management; a 504 is often the on-premise
    /// server or its tunnel, which go on). Sage's own answers, 429 and 500, end its work on the call.
    static func mayStillRun(_ error: Sage200Error) -> Bool {
        error.code == .transport || [502, 503, 504].contains(error.status ?? 0)
    }

    /// - Parameter path: the POST with no clear answer: `/sop_orders`, or `/customers` for the order's new account.
    private func undecided(_ order: SageSide.MagentoOrder, path: String = "/sop_orders", waited: Double) -> Sage200Error {
        let what = path == "/customers" ? "the new account of order \(order.incrementId)" : "order \(order.incrementId)"
        return Sage200Error(
            code: .undecided, method: "POST", path: path,
            message: "\(what) got no clear answer and Sage does not show it yet; the server may still be creating "
                + "it, so ferry looks again before sending anything, from \(Int(undecidedSeconds)) s after the POST "
                + "(\(Int(max(0, waited))) s so far)")
    }

    struct Found {
        let id: Int
        let documentNo: String
    }

    /// Sage's order with this `customer_document_no`, if any (the first by id if someone keyed it twice).
    func search(_ incrementId: String) async throws(Sage200Error) -> Found? {
        let found = try await client.getAll(
            "/sop_orders", filter: "customer_document_no eq \(Sage200Client.quoted(incrementId))",
            select: "id,customer_id,document_no,customer_document_no")
        guard let first = found.first, let id = first["id"]?.int, let number = first["document_no"]?.text else {
            return nil
        }
        return Found(id: id, documentNo: number)
    }

    private func record(_ order: SageSide.MagentoOrder, _ found: Found) async throws {
        let ledger = self.ledger
        let (id, increment) = (order.entityId, order.incrementId)
        try await offload { try ledger.created(externalId: id, incrementId: increment, sageId: found.id, documentNo: found.documentNo) }
    }

    // MARK: Building the sales order.

    private func build(_ order: SageSide.MagentoOrder) async throws -> Result<JSONValue, Reason> {
        guard order.incrementId.count <= 20 else {
            return .failure(Reason("increment id \(order.incrementId) is longer than the 20 characters Sage 200 keeps in customer_document_no"))
        }
        guard let currency = try await lookups.currencyId(iso: order.currency) else {
            return .failure(Reason("currency \(order.currency) is not set up in Sage 200: add it (Accounting System Manager > Currencies)"))
        }
        // Priced before the customer is looked for: an order Sage cannot hold creates no account.
        let taxCodes = try await lookups.taxCodes(ensuring: Set(settings.taxCodes.values).union([settings.roundingTaxCode]))
        let priced: [Sage200LinePricing.Line]
        switch Sage200LinePricing(settings: settings, taxCodes: taxCodes).lines(of: order) {
        case .failure(let reason): return .failure(reason)
        case .success(let lines): priced = lines
        }
        let customer: Int
        switch try await findOrCreateCustomer(order, currency: currency) {
        case .failure(let reason): return .failure(reason)
        case .success(let id): customer = id
        }
        guard let warehouse = try await lookups.warehouseId(name: settings.warehouse) else {
            return .failure(Reason("warehouse \(settings.warehouse) (settings.warehouse) does not exist in Sage 200"))
        }
        var lines: [JSONValue] = []
        for item in priced {
            var line: [String: JSONValue] = ["selling_unit_price": .decimal(item.unitPrice), "tax_code_id": .int(item.taxCodeId)]
            switch item.kind {
            case .item(let row):
                line["line_quantity"] = .decimal(item.quantity)
                if let product = try await lookups.productId(code: row.sku) {
                    line["line_type"] = "EnumLineTypeStandard"
                    line["product_id"] = .int(product)
                    line["warehouse_id"] = .int(warehouse)
                } else if settings.freeTextForUnknownSkus {
                    line["line_type"] = "EnumLineTypeFreeText"
                    line["description"] = .string(String("\(row.sku) \(row.name)".prefix(6000)))
                } else {
                    return .failure(Reason("SKU \(row.sku) is not a Sage 200 product: add it in Sage, or set settings.freeTextForUnknownSkus"))
                }
            case .carriage:
                // No line_quantity: Sage refuses it on charge lines.
                line["line_type"] = "EnumLineTypeCharge"
                line["code"] = .string(settings.carriageChargeCode)
            case .rounding:
                line["line_type"] = "EnumLineTypeFreeText"
                line["line_quantity"] = .decimal(1)
                line["description"] = "Rounding: Sage's VAT on the net cannot reach the VAT-inclusive total the customer paid"
            }
            lines.append(.object(line))
        }
        var body: [String: JSONValue] = [
            "customer_id": .int(customer), "customer_document_no": .string(order.incrementId),
            "document_date": .string(String(order.createdAt.prefix(10)) + "T00:00:00Z"), "lines": .array(lines),
        ]
        if let address = order.shippingAddress ?? order.billingAddress {
            body["delivery_address"] = .object(try await deliveryAddress(address, email: order.customerEmail))
        }
        return .success(.object(body))
    }

    private func deliveryAddress(_ address: MagentoAddress, email: String?) async throws -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        func put(_ key: String, _ value: String?, _ limit: Int) {
            if let value, !value.isEmpty { fields[key] = .string(String(value.prefix(limit))) }
        }
        let name = [address.firstname, address.lastname].compactMap { $0 }.joined(separator: " ")
        put("postal_name", address.company ?? name, 60)
        put("contact", name, 235)
        for (index, street) in address.street.prefix(4).enumerated() { put("address_\(index + 1)", street, 60) }
        put("city", address.city, 60)
        put("county", address.region, 60)
        put("postcode", address.postcode, 10)
        put("telephone_number", address.telephone, 60)
        put("email_address", email, 255)
        if let country = address.countryId, let id = try await lookups.countryId(code: country) {
            fields["country_code_id"] = .int(id)
        }
        return fields
    }

    // MARK: Customers.

    private func findOrCreateCustomer(_ order: SageSide.MagentoOrder, currency: Int) async throws -> Result<Int, Reason> {
        if order.isGuest, let reference = settings.guestAccounts[order.currency] {
            guard let found = try await lookups.customer(reference: reference) else {
                return .failure(Reason("guest account \(reference) (settings.guestAccounts.\(order.currency)) does not exist in Sage 200"))
            }
            return .success(found.id)
        }
        guard let email = order.customerEmail, !email.isEmpty else {
            return .failure(Reason("the order has no customer e-mail to find or create the Sage account by"))
        }
        if let found = try await lookups.customer(email: email, currency: currency) { return .success(found.id) }
        let address = order.billingAddress ?? order.shippingAddress
        let person = [order.customerFirstname ?? address?.firstname, order.customerLastname ?? address?.lastname]
            .compactMap { $0 }.joined(separator: " ")
        let name = String(((address?.company).flatMap { $0.isEmpty ? nil : $0 } ?? (person.isEmpty ? email : person)).prefix(60))
        for _ in 1...Self.maxPosts {
            let reference = try await freeReference(for: name)
            var body: [String: JSONValue] = [
                "reference": .string(reference), "name": .string(name), "short_name": .string(reference),
                "currency_id": .int(currency),
                "contacts": [[
                    "first_name": .string(String((order.customerFirstname ?? address?.firstname ?? "").prefix(60))),
                    "last_name": .string(String((order.customerLastname ?? address?.lastname ?? "").prefix(60))),
                    "emails": [["email": .string(String(email.prefix(227))), "is_default": true]],
                ]],
            ]
            if let country = address?.countryId, let id = try await lookups.countryId(code: country) {
                body["country_code_id"] = .int(id)
            }
            let error: Sage200Error
            switch await post(customer: .object(body)) {
            case .success(let id):
                await lookups.remember(email: email, currency: currency, id: id)
                logger.info("Sage 200 account \(reference) created", metadata: ["ferry.order": "\(order.incrementId)"])
                return .success(id)
            case .failure(let failure): error = failure
            }
            // The account may exist although the answer was lost: look for it by e-mail before creating again.
            if let found = try await lookups.customer(email: email, currency: currency) { return .success(found.id) }
            if Self.mayStillRun(error) {
                // It may still be being created: the order's ledger row says a POST for it may be in flight, so
                // the order waits as after its own POST, and its account is looked up again before one is created.
                let ledger = self.ledger
                let (id, increment) = (order.entityId, order.incrementId)
                try await offload { try ledger.willPost(externalId: id, incrementId: increment) }
                logger.warning("POST /customers got no clear answer and Sage has no such account yet: \(error)", metadata: ["ferry.order": "\(increment)"])
                throw undecided(order, path: "/customers", waited: 0)
            }
            if !error.isTransient {
                guard error.status == 400 else { throw error }
                // A reference taken meanwhile: try the next one; anything else is the order's problem.
                guard error.message.contains("already exists") else {
                    return .failure(Reason("Sage 200 refused the new account \(reference): \(error.message)"))
                }
            }
        }
        throw Sage200Error(code: .transport, method: "POST", path: "/customers", message: "could not create the account for \(email)")
    }

    private func post(customer body: JSONValue) async -> Result<Int, Sage200Error> {
        do {
            let created = try await client.send("POST", "/customers", body: body, idempotent: false)
            guard let id = created["id"]?.int else {
                return .failure(Sage200Error(code: .invalidResponse, status: 200, method: "POST", path: "/customers", message: "no id"))
            }
            return .success(id)
        } catch {
            return .failure(error)
        }
    }

    /// The 8-character account reference rule: up to 5 letters or digits of the name, then a 3-digit number.
    private func freeReference(for name: String) async throws(Sage200Error) -> String {
        var stem = String(name.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(5))
        if stem.isEmpty { stem = "WEB" }
        for number in 1...999 {
            let reference = stem + String(zeroPadded: number, width: 3)
            if try await !lookups.referenceTaken(reference) { return reference }
        }
        throw Sage200Error(code: .configuration, message: "no free account reference for \(stem)")
    }

}

/// Why an order cannot go to Sage 200, for the fail file.
struct Reason: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import FerryValues
import Foundation
import MagentoConnector

/// One answer of the API, with the route it matched for the request log.
struct Sage200Answer {
    var status: Int
    var body: JSONValue
    var route = ""
    var spec = ""
    /// A POST that created a record (the fault injector may drop its answer).
    var created = false

    static func error(_ status: Int, _ message: String) -> Sage200Answer {
        Sage200Answer(status: status, body: ["Message": .string(message)])
    }
}

extension Sage200SandboxStore {
    /// The spec file of each collection, for the contract test.
    static let specs: [String: String] = [
        "sites": "general", "tax_codes": "financials", "currencies": "financials",
        "currency_iso_codes": "financials", "country_codes": "financials",
        "warehouses": "stock", "products": "stock", "warehouse_holdings": "stock", "customers": "sales",
        "customer_views": "sales", "sop_orders": "sop", "sop_additional_charges": "sop",
    ]

    /// Answers one API call (the server has checked the token and the site headers).
    func handle(method: String, segments: [String], query: [(String, String)], body: JSONValue?) -> Sage200Answer {
        guard let collection = segments.first, let spec = Self.specs[collection] else {
            return .error(404, "No HTTP resource was found that matches the request URI.")
        }
        var answer: Sage200Answer
        do {
            answer = try route(method: method, collection: collection, id: segments.dropFirst().first, query: query, body: body)
        } catch {
            answer = .error(400, error.description)
        }
        answer.spec = spec
        if answer.route.isEmpty { answer.route = "/" + collection + (segments.count > 1 ? "/{Id}" : "") }
        return answer
    }

    private func route(
        method: String, collection: String, id: String?, query: [(String, String)], body: JSONValue?
    ) throws(ODataError) -> Sage200Answer {
        switch (method, collection, id) {
        case ("GET", _, nil):
            let query = try ODataQuery(query)
            let records: [[String: JSONValue]]
            switch collection {
            case "sites":
                records = [[
                    "company_id": .int(Self.companyId), "company_name": .string(Self.companyName),
                    "site_id": .string(Self.siteId), "site_name": .string(Self.siteName), "site_short_name": "FERRY",
                ]]
            case "tax_codes": records = taxCodes
            case "currencies": records = currencies
            case "currency_iso_codes": records = currencyISOCodes
            case "country_codes": records = countries
            case "warehouses": records = warehouses
            case "sop_additional_charges": records = charges
            case "products": records = products.map(productRecord)
            case "warehouse_holdings": records = holdings.values.sorted { $0.id < $1.id }.map(holdingRecord)
            case "customers": records = customers
            case "customer_views": records = customers.map(customerView)
            default:
                records = query.expand.contains("lines") ? orders : orders.map { $0.filter { $0.key != "lines" } }
            }
            return Sage200Answer(status: 200, body: .array(try query.apply(records)))
        case ("GET", "sop_orders", let id?):
            guard let order = orders.first(where: { $0["id"]?.text == id }) else {
                return .error(404, "The sales order \(id) was not found.")
            }
            return Sage200Answer(status: 200, body: .object(order))
        case ("POST", "customers", nil):
            return try createCustomer(body)
        case ("POST", "sop_orders", nil):
            return try createOrder(body)
        default:
            return .error(404, "No HTTP resource was found that matches the request URI.")
        }
    }

    private func productRecord(_ product: [String: JSONValue]) -> [String: JSONValue] {
        let id = product["id"]?.int ?? 0
        let free = holdings.values.filter { $0.productId == id && $0.warehouseId != 3 }
            .reduce(Decimal(0)) { $0 + $1.inStock - $1.allocatedSop }
        return product.merging(["free_stock_quantity": .decimal(free)]) { $1 }
    }

    func holdingRecord(_ h: Holding) -> [String: JSONValue] {
        let name = warehouses.first { $0["id"]?.int == h.warehouseId }?["name"] ?? .null
        return [
            "id": .int(h.id), "product_id": .int(h.productId), "warehouse_id": .int(h.warehouseId),
            "warehouse_name": name, "confirmed_qty_in_stock": .decimal(h.inStock), "unconfirmed_qty_in_stock": .int(0),
            "quantity_in_stock": .decimal(h.inStock), "quantity_reserved": .int(0),
            "quantity_in_stock_less_reserved": .decimal(h.inStock), "quantity_on_order": .int(0),
            "quantity_allocated_stock": .int(0), "quantity_allocated_sop": .decimal(h.allocatedSop),
            "quantity_allocated_bom": .int(0), "quantity_allocated": .decimal(h.allocatedSop),
            "free_stock_available": .decimal(h.inStock - h.allocatedSop),
            "free_stock_available_less_reserved": .decimal(h.inStock - h.allocatedSop),
            "date_time_created": .string(h.created), "date_time_updated": .string(h.updated),
        ]
    }

    private func customerView(_ customer: [String: JSONValue]) -> [String: JSONValue] {
        var view = customer.filter { ["id", "reference", "name", "currency_id", "country_code_id"].contains($0.key) }
        if let email = customer["id"]?.int.flatMap({ customerEmails[$0] }) {
            view["contact_default_email_address"] = .string(email)
        }
        return view
    }

    // MARK: Creating records, with the checks the real API makes.

    private func createCustomer(_ body: JSONValue?) throws(ODataError) -> Sage200Answer {
        guard case .object(let fields)? = body else { throw ODataError("The request body is not a customer object.") }
        try Self.refuseNulls(fields, at: "customer")
        try Self.checkLengths(fields, Self.customerLengths, at: "customer")
        guard let name = fields["name"]?.text, !name.isEmpty else { throw ODataError("The Name field is required.") }
        guard let reference = fields["reference"]?.text, !reference.isEmpty else {
            throw ODataError("The Reference field is required.")
        }
        guard !customers.contains(where: { $0["reference"]?.text?.uppercased() == reference.uppercased() }) else {
            throw ODataError("The account reference '\(reference)' already exists.")
        }
        try requireId(fields["currency_id"], in: currencies, "currency_id")
        try requireId(fields["country_code_id"], in: countries, "country_code_id")
        try requireId(fields["default_tax_code_id"], in: taxCodes, "default_tax_code_id")
        let id = newId()
        let now = stamp()
        var record = fields.filter { $0.key != "contacts" }
        record["id"] = .int(id)
        record["reference"] = .string(reference.uppercased())
        record["currency_id"] = fields["currency_id"] ?? .int(1)
        record["date_time_created"] = .string(now)
        record["date_time_updated"] = .string(now)
        customers.append(record)
        let email = fields["contacts"]?.array?.first?["emails"]?.array?.first?["email"]?.text
        if let email { customerEmails[id] = email }
        return Sage200Answer(status: 200, body: .object(record), created: true)
    }

    private func createOrder(_ body: JSONValue?) throws(ODataError) -> Sage200Answer {
        guard case .object(let fields)? = body else { throw ODataError("The request body is not a sales order object.") }
        try Self.refuseNulls(fields, at: "sop_order")
        try Self.checkLengths(fields, Self.orderLengths, at: "sop_order")
        if case .object(let address)? = fields["delivery_address"] {
            try Self.checkLengths(address, Self.addressLengths, at: "delivery_address")
            try requireId(address["country_code_id"], in: countries, "delivery_address.country_code_id")
        }
        guard let customerId = fields["customer_id"]?.int,
            let customer = customers.first(where: { $0["id"]?.int == customerId })
        else { throw ODataError("The customer_id does not identify a customer.") }
        guard let date = fields["document_date"]?.text, date.count > 10, date.contains("T") else {
            throw ODataError("document_date must be a date-time such as 2025-01-31T00:00:00Z.")
        }
        guard let lines = fields["lines"]?.array, !lines.isEmpty else { throw ODataError("A sales order needs lines.") }
        var outLines: [JSONValue] = []
        var goods = Decimal(0), chargeNet = Decimal(0), chargeTax = Decimal(0)
        var nets: [(taxCodeId: Int, net: Decimal, rate: Decimal)] = []
        var allocations: [(holding: Int, quantity: Decimal)] = []
        let now = stamp()
        for (index, value) in lines.enumerated() {
            guard case .object(var line) = value else { throw ODataError("lines[\(index)] is not an object.") }
            let at = "lines[\(index)]"
            try Self.checkLengths(line, Self.lineLengths, at: at)
            let type = line["line_type"]?.text ?? ""
            let price = try Self.amount(line["selling_unit_price"], places: 5, at: "\(at).selling_unit_price") ?? 0
            let discount = try Self.amount(line["unit_discount_value"], places: 5, at: "\(at).unit_discount_value") ?? 0
            var quantity = try Self.amount(line["line_quantity"], places: 5, at: "\(at).line_quantity")
            var rate = Decimal(0)
            if let taxId = line["tax_code_id"] {
                guard let code = taxCodes.first(where: { $0["id"] == taxId }) else {
                    throw ODataError("\(at).tax_code_id \(taxId.serialized) does not identify a tax code.")
                }
                rate = code["tax_rate"]?.decimal ?? 0
            }
            switch type {
            case "EnumLineTypeStandard":
                guard let productId = line["product_id"]?.int,
                    let product = products.first(where: { $0["id"]?.int == productId })
                else { throw ODataError("\(at).product_id does not identify a product.") }
                guard product["allow_sales_order"]?.bool == true else {
                    throw ODataError("\(at): product \(product["code"]?.text ?? "") cannot be sold on sales orders.")
                }
                guard let warehouseId = line["warehouse_id"]?.int,
                    let holding = holdings.values.first(where: { $0.productId == productId && $0.warehouseId == warehouseId })
                else { throw ODataError("\(at).warehouse_id: the product is not held in that warehouse.") }
                guard let q = quantity, q > 0 else { throw ODataError("\(at).line_quantity must be more than 0.") }
                let free = max(holding.inStock - holding.allocatedSop - allocations.filter { $0.holding == holding.id }
                    .reduce(Decimal(0)) { $0 + $1.quantity }, 0)
                let allocate = try Self.amount(line["to_allocate_quantity"], places: 5, at: "\(at).to_allocate_quantity")
                    ?? (allocateOnOrderEntry ? q : 0)
                let allocated = min(allocate, free)
                if allocated > 0 { allocations.append((holding.id, allocated)) }
                line["code"] = product["code"]
                line["description"] = line["description"] ?? product["name"]
                line["allocated_quantity"] = .decimal(allocated)
                line["allocation_status"] = .string(allocated == q ? "Full" : allocated > 0 ? "Part" : "None")
            case "EnumLineTypeFreeText":
                guard line["description"]?.text?.isEmpty == false else {
                    throw ODataError("\(at).description is required on a free text line.")
                }
                guard let q = quantity, q > 0 else { throw ODataError("\(at).line_quantity must be more than 0.") }
            case "EnumLineTypeCharge":
                guard quantity == nil else { throw ODataError("\(at).line_quantity cannot be set on a charge line.") }
                if let code = line["code"]?.text {
                    guard charges.contains(where: { $0["code"]?.text == code }) else {
                        throw ODataError("\(at).code '\(code)' is not an additional charge.")
                    }
                } else if line["description"]?.text?.isEmpty != false {
                    throw ODataError("\(at) needs a code or a description.")
                }
                quantity = 1
            case "EnumLineTypeComment":
                guard line["description"]?.text?.isEmpty == false else {
                    throw ODataError("\(at).description is required on a comment line.")
                }
                quantity = 0
            default:
                throw ODataError("\(at).line_type '\(type)' is not a valid line type.")
            }
            let net = Self.round2((quantity ?? 0) * (price - discount))
            let lineTax = Self.round2(net * rate / 100)
            nets.append((line["tax_code_id"]?.int ?? 0, net, rate))
            if type == "EnumLineTypeCharge" {
                chargeNet += net
                chargeTax += lineTax
            } else {
                goods += net
            }
            // The answer carries every member the schema requires, whatever the line type (0 and "" where a
            // line type has no such value), as the real API answers full records.
            if type == "EnumLineTypeCharge", let code = line["code"]?.text {
                line["description"] = line["description"] ?? charges.first { $0["code"]?.text == code }?["name"]
            }
            for (key, empty) in [("code", JSONValue.string("")), ("description", .string("")), ("product_id", .int(0)),
                ("warehouse_id", .int(0))] where line[key] == nil {
                line[key] = empty
            }
            line["line_quantity"] = .decimal(quantity ?? 0)
            line["id"] = .int(newId())
            line["line_number"] = .int(index + 1)
            line["line_total_value"] = .decimal(net)
            line["line_tax_value"] = .decimal(lineTax)
            line["date_time_created"] = .string(now)
            line["date_time_updated"] = .string(now)
            outLines.append(.object(line))
        }
        // Everything checked: now the order exists and the stock is allocated.
        for (holdingId, quantity) in allocations {
            holdings[holdingId]?.allocatedSop += quantity
            holdings[holdingId]?.updated = now
        }
        var order = fields
        let documentNo = String(zeroPadded: nextDocumentNo, width: 10)
        nextDocumentNo += 1
        order["id"] = .int(newId())
        order["document_no"] = .string(documentNo)  // Standard numbering: whatever the client sent is ignored
        order["document_status"] = "Live"  // the schema allows 20 characters: not the enum's type name
        order["currency_id"] = customer["currency_id"] ?? .int(1)
        order["subtotal_goods_value"] = .decimal(goods)
        order["subtotal_charge_net_value"] = .decimal(chargeNet)
        order["subtotal_charge_tax_value"] = .decimal(chargeTax)
        order["subtotal_discount_value"] = .decimal(0)
        order["total_net_value"] = .decimal(goods + chargeNet)
        let tax = Self.orderTax(nets)
        order["total_tax_value"] = .decimal(tax)
        order["total_gross_value"] = .decimal(goods + chargeNet + tax)
        order["lines"] = .array(outLines)
        order["date_time_created"] = .string(now)
        order["date_time_updated"] = .string(now)
        orders.append(order)
        return Sage200Answer(status: 200, body: .object(order), created: true)
    }

    private func requireId(_ value: JSONValue?, in records: [[String: JSONValue]], _ field: String) throws(ODataError) {
        guard let value else { return }
        guard records.contains(where: { $0["id"] == value }) else {
            throw ODataError("\(field) \(value.serialized) does not identify a record.")
        }
    }

    // MARK: Field rules from the OpenAPI files (lengths of the fields ferry may send).

    static let customerLengths: [String: Int] = [
        "reference": 8, "name": 60, "short_name": 8, "vat_number": 30, "telephone_subscriber_number": 200,
        "website": 200, "analysis_code_1": 60,
    ]
    static let orderLengths: [String: Int] = [
        "document_no": 20, "customer_document_no": 30, "analysis_code_1": 60, "analysis_code_2": 60,
        "spare_text_1": 100, "payment_reference": 20,
    ]
    static let addressLengths: [String: Int] = [
        "postal_name": 60, "address_1": 60, "address_2": 60, "address_3": 60, "address_4": 60, "city": 60,
        "county": 60, "postcode": 10, "country": 60, "contact": 235, "telephone_number": 60, "email_address": 255,
    ]
    static let lineLengths: [String: Int] = [
        "code": 30, "description": 6000, "selling_unit_description": 20, "nominal_reference": 8,
        "nominal_cost_centre": 3, "nominal_department": 3, "picking_list_comment": 160, "despatch_note_comment": 160,
    ]

    static func checkLengths(_ fields: [String: JSONValue], _ limits: [String: Int], at: String) throws(ODataError) {
        for (key, limit) in limits {
            guard let value = fields[key] else { continue }
            guard case .string(let text) = value else { throw ODataError("\(at).\(key) must be a string.") }
            guard text.count <= limit else {
                throw ODataError("\(at).\(key) is \(text.count) characters long; at most \(limit) are allowed.")
            }
        }
    }

    static func refuseNulls(_ fields: [String: JSONValue], at: String) throws(ODataError) {
        for (key, value) in fields {
            switch value {
            case .null: throw ODataError("\(at).\(key) may not be null: leave it out.")
            case .object(let inner): try refuseNulls(inner, at: "\(at).\(key)")
            case .array(let items):
                for case .object(let inner) in items { try refuseNulls(inner, at: "\(at).\(key)[]") }
            default: break
            }
        }
    }

    /// A number field with at most `places` decimals, or nil when absent.
    static func amount(_ value: JSONValue?, places: Int, at: String) throws(ODataError) -> Decimal? {
        guard let value else { return nil }
        guard case .number(let text) = value, let decimal = Decimal(string: text) else {
            throw ODataError("\(at) must be a number.")
        }
        if let dot = text.firstIndex(of: "."), text[text.index(after: dot)...].count > places {
            throw ODataError("\(at) has more than \(places) decimal places.")
        }
        return decimal
    }

    /// An order's VAT as Sage 200 computes it: per tax code, on the total net of the lines at that code, to the
    /// nearest penny, not the sum of the lines' rounded VAT ("In Sage 200, the VAT on the sales order is calculated
    /// using the total net amount entered for goods at each VAT rate", with 10.43 and 0.83 at 20 % giving 2.25, not
    /// 2.09 + 0.17: Sage 200 help, "How VAT is calculated on sales orders",
    /// http://desktophelp.sage.co.uk/sage200/professional/content/sop/How%20VAT%20is%20calculated%20on%20sales%20orders.htm).
    static func orderTax(_ lines: [(taxCodeId: Int, net: Decimal, rate: Decimal)]) -> Decimal {
        var byCode: [Int: (net: Decimal, rate: Decimal)] = [:]
        for line in lines { byCode[line.taxCodeId, default: (0, line.rate)].net += line.net }
        return byCode.values.reduce(Decimal(0)) { $0 + round2($1.net * $1.rate / 100) }
    }

    static func round2(_ value: Decimal) -> Decimal {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 2, .plain)
        return result
    }
}

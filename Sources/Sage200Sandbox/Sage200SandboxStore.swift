public import FerryValues
public import Foundation
public import MagentoConnector
import SageSide

/// The data of the Sage 200 stand-in: one site and company, reference data, customers, products with warehouse
/// holdings, sales orders, and the OAuth state (codes, the current refresh token, live access tokens).
///
/// Records are kept as JSON objects in the API's own field names, so OData filters and the contract test see
/// exactly what a client would.
public actor Sage200SandboxStore {
    /// The one site the stand-in serves (`X-Site`).
    public static let siteId = "5f3c2a9e-8d41-4b7a-9c1e-2a6b0d7f4e13"
    /// Its company (`X-Company`).
    public static let companyId = 1
    /// The site's name, which config may use instead of the id.
    public static let siteName = "Ferry Demo Site"
    /// The company's name.
    public static let companyName = "Ferry Demo Ltd"

    var taxCodes: [[String: JSONValue]] = []
    var currencies: [[String: JSONValue]] = []
    var currencyISOCodes: [[String: JSONValue]] = []
    var countries: [[String: JSONValue]] = []
    var warehouses: [[String: JSONValue]] = []
    var charges: [[String: JSONValue]] = []
    var products: [[String: JSONValue]] = []
    /// Holdings keyed by id; amounts as Decimal, rendered with the derived fields.
    var holdings: [Int: Holding] = [:]
    var customers: [[String: JSONValue]] = []
    /// Default contact e-mail per customer id (the `customer_views` field).
    var customerEmails: [Int: String] = [:]
    var orders: [[String: JSONValue]] = []
    var nextId = 1000
    /// Stock is allocated to a sales order's lines when it is entered (`sop_settings.allocate_stock_on_order_entry`).
    public var allocateOnOrderEntry = true
    var nextDocumentNo = 1
    private var lastStamp = Date(timeIntervalSince1970: 0)
    private var rng: SplitMix64
    private var log: [Sage200LogEntry] = []

    // OAuth.
    var codes: Set<String> = []
    var currentRefreshToken: String?
    var refreshChainStarted = Date()
    var accessTokens: [String: Date] = [:]
    /// Refresh grants served (tests check one refresh at a time).
    public private(set) var refreshCount = 0

    /// One warehouse holding.
    struct Holding {
        let id: Int
        let productId: Int
        let warehouseId: Int
        var inStock: Decimal
        var allocatedSop: Decimal
        var updated: String
        var created: String
    }

    /// Creates a company stocked with `catalogue` (code, name, stock in the first warehouse) or the demo catalogue.
    public init(catalogue: [(code: String, name: String, stock: Int)]? = nil, faultSeed: UInt64 = 42) {
        rng = SplitMix64(seed: faultSeed == 0 ? 0x9E37_79B9_7F4A_7C15 : faultSeed)
        let stamp = "2026-01-01T00:00:00Z"
        func base(_ id: Int) -> [String: JSONValue] {
            ["id": .int(id), "date_time_created": .string(stamp), "date_time_updated": .string(stamp)]
        }
        // Record ids differ from the user codes on purpose: clients must send ids (id 2 is code 1, as in Zynk's example).
        for (id, code, name, rate) in [
            (1, 0, "Zero rated", "0.00"), (2, 1, "Standard rated", "20.00"), (3, 2, "Exempt", "0.00"),
            (4, 5, "Reduced rate", "5.00"), (5, 4, "EC sales goods", "0.00"), (6, 9, "Outside scope", "0.00"),
            // A UK company selling to EU consumers under the One Stop Shop charges the customer's country's VAT and
            // keeps one code per country and rate (Accounting System Manager > Settings > Tax Rates: a number, a
            // name of up to 10 characters, EC terms, a rate): the rates the Magento sandbox charges, and more.
            (7, 20, "OSS IE 23", "23.00"), (8, 21, "OSS IE13.5", "13.50"), (9, 22, "OSS DE 19", "19.00"),
            (10, 23, "OSS DE 7", "7.00"), (11, 24, "OSS FR 20", "20.00"), (12, 25, "OSS FR 5.5", "5.50"),
            (13, 26, "OSS NL 21", "21.00"), (14, 27, "OSS ES 21", "21.00"), (15, 28, "OSS IT 22", "22.00"),
            (16, 29, "OSS BE 21", "21.00"),
        ] {
            taxCodes.append(base(id).merging(
                ["code": .int(code), "name": .string(name), "tax_rate": .number(rate)]) { $1 })
        }
        for (id, iso, symbol, name, isBase) in [
            (1, "GBP", "£", "Pound Sterling", true), (2, "EUR", "€", "Euro", false), (3, "USD", "$", "US Dollar", false),
        ] {
            // The schema declares `currency_iso_code` as an expansion with no members, so the ISO code is reached
            // through `currency_iso_code_id` and `/currency_iso_codes`, as a client of the real API must.
            currencies.append(base(id).merging([
                "symbol": .string(symbol), "name": .string(name), "is_base_currency": .bool(isBase),
                "currency_iso_code_id": .int(id + 10),
            ]) { $1 })
            currencyISOCodes.append(base(id + 10).merging(["code": .string(iso), "name": .string(name)]) { $1 })
        }
        let countryList: [(String, String, Bool)] = [
            ("GB", "United Kingdom", false), ("IE", "Ireland", true), ("FR", "France", true), ("DE", "Germany", true),
            ("NL", "Netherlands", true), ("ES", "Spain", true), ("IT", "Italy", true), ("BE", "Belgium", true),
            ("US", "United States", false), ("CA", "Canada", false), ("AU", "Australia", false),
            ("CH", "Switzerland", false), ("NO", "Norway", false), ("JE", "Jersey", false),
        ]
        for (index, (code, name, eu)) in countryList.enumerated() {
            countries.append(base(index + 1).merging(
                ["code": .string(code), "name": .string(name), "eu_member": .bool(eu)]) { $1 })
        }
        warehouses = [
            base(1).merging(["name": "HOME", "use_for_sales_trading": true]) { $1 },
            base(2).merging(["name": "WEB", "use_for_sales_trading": true]) { $1 },
            base(3).merging(["name": "RETURNS", "use_for_sales_trading": false]) { $1 },
        ]
        charges = [
            base(1).merging(
                ["code": "CARR", "name": "Carriage", "charge_value": .number("0.00"), "tax_code_id": 2]) { $1 }
        ]
        let catalogue = catalogue
            ?? DemoCatalogue.products().map { ($0.sku, $0.name, $0.initialStock) }
        for (index, product) in catalogue.enumerated() {
            let id = 100 + index
            products.append(base(id).merging([
                "code": .string(product.code), "name": .string(String(product.name.prefix(60))),
                "allow_sales_order": true, "product_group_id": 1,
            ]) { $1 })
            // Stock in HOME; WEB holds a little of some; RETURNS is never sold from.
            holdings[id * 10 + 1] = Holding(
                id: id * 10 + 1, productId: id, warehouseId: 1, inStock: Decimal(product.stock), allocatedSop: 0,
                updated: stamp, created: stamp)
            holdings[id * 10 + 2] = Holding(
                id: id * 10 + 2, productId: id, warehouseId: 2, inStock: Decimal(index % 3), allocatedSop: 0,
                updated: stamp, created: stamp)
            holdings[id * 10 + 3] = Holding(
                id: id * 10 + 3, productId: id, warehouseId: 3, inStock: 5, allocatedSop: 0, updated: stamp,
                created: stamp)
        }
    }

    // MARK: Reading, for tests and the demo.

    /// Every sales order, as the API would answer `GET /sop_orders/{id}?$expand=lines`.
    public func allOrders() -> [JSONValue] { orders.map { JSONValue.object($0) } }

    /// Sales orders per `customer_document_no` (tests check each Magento order appears once).
    public func orderCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for order in orders { counts[order["customer_document_no"]?.text ?? "", default: 0] += 1 }
        return counts
    }

    /// Free stock (in stock minus allocated) per product code, summed over `warehouses` (names).
    public func freeStock(warehouses names: Set<String>) -> [String: Decimal] {
        let ids = Set(warehouses.filter { names.contains($0["name"]?.text ?? "") }.compactMap { $0["id"]?.int })
        var result: [String: Decimal] = [:]
        let codes = Dictionary(uniqueKeysWithValues: products.compactMap { p in p["id"]?.int.map { ($0, p["code"]?.text ?? "") } })
        for holding in holdings.values where ids.contains(holding.warehouseId) {
            result[codes[holding.productId] ?? "", default: 0] += holding.inStock - holding.allocatedSop
        }
        return result
    }

    /// Customers created or seeded.
    public func allCustomers() -> [JSONValue] { customers.map { JSONValue.object($0) } }

    /// Sets a product's stock in a warehouse (by names), as a goods receipt or stock take would; bumps the holding.
    public func setStock(code: String, warehouse: String, inStock: Decimal) {
        guard let productId = products.first(where: { $0["code"]?.text == code })?["id"]?.int,
            let warehouseId = warehouses.first(where: { $0["name"]?.text == warehouse })?["id"]?.int,
            var holding = holdings.values.first(where: { $0.productId == productId && $0.warehouseId == warehouseId })
        else { return }
        holding.inStock = inStock
        holding.updated = stamp()
        holdings[holding.id] = holding
    }

    /// Adds a customer directly (a seeded account for tests).
    @discardableResult
    public func addCustomer(reference: String, name: String, email: String? = nil, currencyId: Int = 1) -> Int {
        let id = newId()
        let now = stamp()
        customers.append([
            "id": .int(id), "reference": .string(reference), "name": .string(name), "currency_id": .int(currencyId),
            "date_time_created": .string(now), "date_time_updated": .string(now),
        ])
        if let email { customerEmails[id] = email }
        return id
    }

    // MARK: OAuth.

    /// Issues a one-time authorization code, as Sage ID's sign-in page does after consent.
    public func issueCode() -> String {
        let code = "code-" + randomToken()
        codes.insert(code)
        return code
    }

    /// Expires every live access token now (tests: token expiry mid-batch).
    public func expireAccessTokens() {
        for key in accessTokens.keys { accessTokens[key] = Date(timeIntervalSince1970: 0) }
    }

    /// Ages the refresh token chain (tests: the refresh token's own expiry and the warning before it).
    public func ageRefreshChain(days: Double) {
        refreshChainStarted = refreshChainStarted.addingTimeInterval(-days * 86_400)
    }

    func grant(_ form: [String: String], options: Sage200SandboxOptions) -> (Int, JSONValue) {
        func invalid(_ text: String) -> (Int, JSONValue) {
            (400, ["error": "invalid_grant", "error_description": .string(text)])
        }
        guard form["client_id"] == options.clientId, form["client_secret"] == options.clientSecret else {
            return (401, ["error": "access_denied", "error_description": "Unauthorized"])
        }
        switch form["grant_type"] {
        case "authorization_code":
            guard let code = form["code"], codes.remove(code) != nil else {
                return invalid("Invalid authorization code")
            }
            refreshChainStarted = Date()
        case "refresh_token":
            guard let token = form["refresh_token"], token == currentRefreshToken else {
                return invalid("Unknown or invalid refresh token.")
            }
            guard Date().timeIntervalSince(refreshChainStarted) < options.refreshTokenDays * 86_400 else {
                currentRefreshToken = nil
                return invalid("Refresh token has expired.")
            }
            refreshCount += 1
        default:
            return (400, ["error": "unsupported_grant_type", "error_description": "Unsupported grant type"])
        }
        // Rotation: the refresh token just used is dead from now on.
        let refresh = "rt-" + randomToken()
        let access = "at-" + randomToken()
        currentRefreshToken = refresh
        accessTokens[access] = Date().addingTimeInterval(Double(options.accessTokenSeconds))
        return (200, [
            "access_token": .string(access), "refresh_token": .string(refresh),
            "expires_in": .int(options.accessTokenSeconds), "token_type": "Bearer",
            "scope": "openid profile email offline_access",
        ])
    }

    func isValid(accessToken: String) -> Bool {
        guard let expiry = accessTokens[accessToken] else { return false }
        return expiry > Date()
    }

    // MARK: Helpers.

    func newId() -> Int {
        nextId += 1
        return nextId
    }

    /// A strictly increasing UTC time stamp with milliseconds, as `date_time_updated`.
    func stamp() -> String {
        var now = Date()
        if now <= lastStamp { now = lastStamp.addingTimeInterval(0.001) }
        lastStamp = now
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: now)
    }

    /// The next roll of the fault dice in [0, 1) (deterministic per seed).
    func roll() -> Double { rng.nextUnit() }

    private func randomToken() -> String {
        (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()
    }

    func record(_ entry: Sage200LogEntry) { log.append(entry) }

    /// Every exchange recorded (``Sage200SandboxOptions/recordRequests``).
    public func requestLog() -> [Sage200LogEntry] { log }
}

/// One exchange with the stand-in, for the contract test.
public struct Sage200LogEntry: Sendable {
    /// GET, POST.
    public var method: String
    /// The route as the OpenAPI file names it, e.g. `/sop_orders` or `/sop_orders/{Id}`; empty for auth calls.
    public var route: String
    /// The spec file describing the route (`sop`, `sales`, `stock`, `financials`, `general`).
    public var spec: String
    /// Query parameters.
    public var query: [(String, String)]
    /// The request body.
    public var requestBody: String?
    /// The status answered.
    public var status: Int
    /// The body answered.
    public var responseBody: String
    /// The fault injected, if any (`429`, `503`, `drop`).
    public var fault: String?
}

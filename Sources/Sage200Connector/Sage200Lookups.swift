import FerryValues
import Foundation
import MagentoConnector

/// Sage record ids ferry looks up by user code (tax codes, currencies, countries, warehouses, products,
/// customers): fetched once, cached, fetched again on a miss (someone may have added the record since).
actor Sage200Lookups {
    private let client: Sage200Client
    private var taxCodes: [Int: Int] = [:]  // code -> id
    private var taxRates: [Int: Decimal] = [:]  // id -> rate
    private var currencies: [String: Int] = [:]
    private var countries: [String: Int] = [:]
    private var warehouses: [String: Int] = [:]
    private var products: [String: Int] = [:]
    private var customers: [String: (id: Int, currency: Int)] = [:]
    private var loaded = false

    init(client: Sage200Client) { self.client = client }

    private func loadReferenceData() async throws(Sage200Error) {
        for code in try await client.getAll("/tax_codes") {
            if let id = code["id"]?.int, let user = code["code"]?.int {
                taxCodes[user] = id
                taxRates[id] = code["tax_rate"]?.decimal ?? 0
            }
        }
        // A currency names its ISO code by record id only (`currency_iso_code` is an expansion the schema leaves
        // empty), so the codes come from their own collection.
        var isoCodes: [Int: String] = [:]
        for iso in try await client.getAll("/currency_iso_codes") {
            if let id = iso["id"]?.int, let code = iso["code"]?.text { isoCodes[id] = code.uppercased() }
        }
        for currency in try await client.getAll("/currencies") {
            if let id = currency["id"]?.int, let iso = currency["currency_iso_code_id"]?.int.flatMap({ isoCodes[$0] }) {
                currencies[iso] = id
            }
        }
        for country in try await client.getAll("/country_codes") {
            if let id = country["id"]?.int, let code = country["code"]?.text { countries[code.uppercased()] = id }
        }
        for warehouse in try await client.getAll("/warehouses") {
            if let id = warehouse["id"]?.int, let name = warehouse["name"]?.text { warehouses[name.uppercased()] = id }
        }
        loaded = true
    }

    /// Looks `key` up in the cache, reloading the reference data once on a miss.
    private func cached<T>(_ read: () -> T?) async throws(Sage200Error) -> T? {
        if !loaded { try await loadReferenceData() }
        if let value = read() { return value }
        try await loadReferenceData()
        return read()
    }

    /// Every tax code (user code -> record id and rate), reloaded once when one of `codes` is missing.
    func taxCodes(ensuring codes: Set<Int>) async throws(Sage200Error) -> Sage200LinePricing.TaxCodes {
        _ = try await cached { codes.isSubset(of: taxCodes.keys) ? true : nil }
        return taxCodes.reduce(into: [:]) { table, entry in table[entry.key] = (entry.value, taxRates[entry.value] ?? 0) }
    }
    func currencyId(iso: String) async throws(Sage200Error) -> Int? { try await cached { currencies[iso.uppercased()] } }
    func countryId(code: String) async throws(Sage200Error) -> Int? { try await cached { countries[code.uppercased()] } }
    func warehouseId(name: String) async throws(Sage200Error) -> Int? { try await cached { warehouses[name.uppercased()] } }

    /// A product's id by its code, or nil when Sage has no such product.
    func productId(code: String) async throws(Sage200Error) -> Int? {
        if let id = products[code] { return id }
        let found = try await client.getAll(
            "/products", filter: "code eq \(Sage200Client.quoted(code))", select: Sage200Client.productFields)
        guard let id = found.first?["id"]?.int else { return nil }
        products[code] = id
        return id
    }

    /// A customer (id, currency id) by account reference.
    func customer(reference: String) async throws(Sage200Error) -> (id: Int, currency: Int)? {
        if let hit = customers["ref:" + reference.uppercased()] { return hit }
        let found = try await client.getAll(
            "/customers", filter: "reference eq \(Sage200Client.quoted(reference.uppercased()))",
            select: "id,reference,name,currency_id")
        guard let id = found.first?["id"]?.int else { return nil }
        let hit = (id, found.first?["currency_id"]?.int ?? 0)
        customers["ref:" + reference.uppercased()] = hit
        return hit
    }

    /// A customer (id, currency id) by the default contact's e-mail and currency.
    func customer(email: String, currency: Int) async throws(Sage200Error) -> (id: Int, currency: Int)? {
        let key = "mail:\(email.lowercased()):\(currency)"
        if let hit = customers[key] { return hit }
        let found = try await client.getAll(
            "/customer_views", filter: "contact_default_email_address eq \(Sage200Client.quoted(email))",
            select: "id,reference,currency_id,contact_default_email_address")
        guard let match = found.first(where: { $0["currency_id"]?.int == currency }), let id = match["id"]?.int else {
            return nil
        }
        customers[key] = (id, currency)
        return (id, currency)
    }

    /// Remembers a customer just created.
    func remember(email: String, currency: Int, id: Int) { customers["mail:\(email.lowercased()):\(currency)"] = (id, currency) }

    /// True when an account reference is taken.
    func referenceTaken(_ reference: String) async throws(Sage200Error) -> Bool {
        try await customer(reference: reference) != nil
    }
}

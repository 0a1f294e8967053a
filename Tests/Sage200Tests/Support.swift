import FerryState
import FerryTestSupport
import FerryValues
import Foundation
import Logging
import MagentoConnector
import Sage200Connector
import Sage200Sandbox
import SageSide

/// Everything a Sage 200 test needs: the stand-in on 127.0.0.1:0, an authorized client, a state store.
struct Sage200Fixture {
    let server: Sage200SandboxServer
    let client: Sage200Client
    let authenticator: Sage200Authenticator
    let auth: Sage200AuthConfiguration
    let store: StateStore
    let dir: URL

    var ledger: Sage200Ledger { Sage200Ledger(store: store) }

    func importer(_ settings: Sage200OrderSettings = .init()) -> Sage200OrderImporter {
        Sage200OrderImporter(client: client, ledger: ledger, settings: settings, logger: Logger(label: "test"))
    }

    /// Another client of the same stand-in (a new process's view: its own authenticator on the same token file).
    func freshClient(site: String = Sage200SandboxStore.siteName, company: String = "1") -> Sage200Client {
        Sage200Client(
            configuration: Sage200Configuration(
                apiURL: server.apiURL, site: site, company: company,
                retry: RetryPolicy(maxAttempts: 8, initial: .milliseconds(10), maximum: .milliseconds(50))),
            authenticator: Sage200Authenticator(configuration: auth))
    }
}

/// Starts the stand-in, authorizes ferry against it (as `ferry sage200 authorize` would) and runs `body`.
func withSage200<T>(
    options: Sage200SandboxOptions = .init(), catalogue: [(code: String, name: String, stock: Int)]? = nil,
    _ body: (Sage200Fixture) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { dir in
        let server = Sage200SandboxServer(options: options, catalogue: catalogue)
        _ = try await server.start(port: 0)
        let auth = Sage200AuthConfiguration(
            authURL: server.baseURL, clientId: options.clientId, clientSecret: options.clientSecret,
            redirectURI: "https://ferry.example.com/sage200/callback",
            tokenFile: dir.appendingPathComponent("state/sage200-token.json"))
        let authenticator = Sage200Authenticator(configuration: auth)
        do {
            try await authenticator.authorize(code: await server.store.issueCode())
            let client = Sage200Client(
                configuration: Sage200Configuration(
                    apiURL: server.apiURL, site: Sage200SandboxStore.siteName, company: Sage200SandboxStore.companyName,
                    retry: RetryPolicy(maxAttempts: 8, initial: .milliseconds(10), maximum: .milliseconds(50))),
                authenticator: authenticator)
            let store = try StateStore(path: dir.appendingPathComponent("state/ferry.sqlite").path, migrations: Sage200Ledger.migrations)
            let result = try await body(
                Sage200Fixture(
                    server: server, client: client, authenticator: authenticator, auth: auth, store: store, dir: dir))
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}

/// A Magento order of demo-catalogue products whose grand total is what Sage 200 will compute.
func demoOrder(_ n: Int, lines: Int = 2, email: String? = nil, shipping: Decimal = 5, currency: String = "GBP") -> SageSide.MagentoOrder {
    let catalogue = DemoCatalogue.products().filter { if case .simple = $0.kind { return true } else { return false } }
    var items: [MagentoOrderItem] = []
    var net = Decimal(0)
    var tax = Decimal(0)
    for line in 0..<lines {
        let product = catalogue[(n * 7 + line * 3) % catalogue.count]
        let qty = Decimal(1 + (n + line) % 3)
        let row = product.price * qty
        let rowTax = round2(row * product.taxRate / 100)
        net += row
        tax += rowTax
        items.append(
            MagentoOrderItem(
                itemId: "\(n)-\(line)", sku: product.sku, name: product.name, qtyOrdered: qty, price: product.price,
                taxPercent: product.taxRate, taxAmount: rowTax, rowTotal: row))
    }
    let shippingTax = round2(shipping * 20 / 100)
    let address = MagentoAddress(
        firstname: "Ada", lastname: "Lovelace \(n % 5)", street: ["\(n) Analytical Row"], city: "London", postcode: "N1 \(n % 9)AA",
        countryId: "GB", telephone: "020 7946 0\(n % 1000)")
    return SageSide.MagentoOrder(
        entityId: "\(n)", incrementId: String(100_000_000 + n), createdAt: "2026-11-29 10:00:00", customerId: "\(n % 5)",
        customerEmail: email ?? "ada\(n % 5)@example.com", customerFirstname: "Ada", customerLastname: "Lovelace \(n % 5)",
        currency: currency, subtotal: net, taxAmount: tax + shippingTax, shippingAmount: shipping,
        shippingTaxAmount: shippingTax, grandTotal: net + tax + shipping + shippingTax, billingAddress: address,
        shippingAddress: address, items: items)
}

func round2(_ value: Decimal) -> Decimal {
    var input = value
    var result = Decimal()
    NSDecimalRound(&result, &input, 2, .plain)
    return result
}

/// Creates the folders a config's stages watch and write, beside it (the repository keeps them with .gitkeep files).
func makeStageFolders(of config: URL) throws {
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any]
    for stage in json?["stages"] as? [[String: Any]] ?? [] {
        let folders = [stage["watch"] as? String].compactMap { $0 } + ((stage["outputs"] as? [String: String]) ?? [:]).values
        for folder in folders {
            try FileManager.default.createDirectory(
                at: config.deletingLastPathComponent().appendingPathComponent(folder), withIntermediateDirectories: true)
        }
    }
}

public import FerryValues
import Foundation
public import MagentoConnector

/// The sandbox's data: orders, catalogue, stock, source items, and the request log.
public actor SandboxStore {
    let seed: UInt64
    let catalogue: [SandboxProduct]
    /// Products added by ``addSimpleProducts(count:prefix:)`` (large-catalogue benchmarks); orders never use them.
    var bulkProducts: [SandboxProduct] = []
    /// Every product by lower-cased SKU: stock calls look up one SKU among possibly 100,000, and Magento matches
    /// SKUs case-insensitively (MySQL's `_ci` collation), so `MUG-BLUE-11OZ` finds `Mug-Blue-11oz`.
    var productBySKU: [String: SandboxProduct] = [:]
    /// Positions in `catalogue + bulkProducts` by lower-cased SKU (every product, duplicates too): `sku in (...)`.
    var productPositionsBySKU: [String: [Int]] = [:]
    var orders: [Int: [String: JSONValue]] = [:]
    /// Every order's entity_id, ascending (ids only grow and orders are never removed): keyset pages are ranges.
    var orderIDs: [Int] = []
    var nextOrderID = 1
    var stock: [String: (qty: Decimal, inStock: Bool)] = [:]
    var sourceItems: [String: [String: (qty: Decimal, status: Int)]] = [:]
    var log: [SandboxLogEntry] = []
    var faultRandom: SplitMix64
    /// The clock orders are stamped with; tests may move it.
    var clock: @Sendable () -> Date = { Date() }
    var historyID = 1
    /// The store's tax configuration: how generated orders are priced.
    let taxSettings: MagentoTaxSettings

    init(
        seed: UInt64, orders: Int, faultSeed: UInt64, catalogue: [SandboxProduct]? = nil,
        taxSettings: MagentoTaxSettings = MagentoTaxSettings()
    ) {
        self.seed = seed
        self.taxSettings = taxSettings
        self.catalogue = catalogue ?? SandboxData.catalogue(seed: seed)
        self.faultRandom = SplitMix64(sandboxSeed: faultSeed)
        for p in self.catalogue where p.kind == .simple { stock[p.sku] = (Decimal(p.qty), p.qty > 0) }
        productBySKU = Dictionary(self.catalogue.map { ($0.sku.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        for (position, product) in self.catalogue.enumerated() {
            productPositionsBySKU[product.sku.lowercased(), default: []].append(position)
        }
        let base = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01 00:00:00 UTC
        for i in 0..<orders {
            let id = i + 1
            self.orders[id] = SandboxData.order(
                entityID: id, seed: seed, catalogue: self.catalogue,
                createdAt: MagentoDate.string(base.addingTimeInterval(Double(i) * 97)), settings: taxSettings)
        }
        orderIDs = (0..<orders).map { $0 + 1 }
        nextOrderID = orders + 1
    }

    /// Adds a generated order (stamped now unless `createdAt` is given); returns its entity_id.
    @discardableResult
    public func addOrder(createdAt: String? = nil) -> Int {
        let id = nextOrderID
        nextOrderID += 1
        orders[id] = SandboxData.order(
            entityID: id, seed: seed, catalogue: catalogue, createdAt: createdAt ?? MagentoDate.string(clock()), settings: taxSettings)
        orderIDs.append(id)
        return id
    }

    /// Adds `count` orders now; returns their entity_ids.
    public func addOrders(_ count: Int) -> [Int] { (0..<count).map { _ in addOrder() } }

    /// Adds `count` simple products named `prefix` + number (in stock, qty 10): a catalogue as large as a
    /// real merchant's, for the inventory benchmarks. Returns their SKUs.
    @discardableResult
    public func addSimpleProducts(count: Int, prefix: String = "BULK-") -> [String] {
        var nextID = (catalogue + bulkProducts).map(\.id).max() ?? 0
        var skus: [String] = []
        skus.reserveCapacity(count)
        for n in 0..<count {
            nextID += 1
            let product = SandboxProduct(
                id: nextID, sku: "\(prefix)\(n)", name: "Bulk product \(n)", priceCents: 999, kind: .simple, vatRate: 20,
                children: [], qty: 10)
            productPositionsBySKU[product.sku.lowercased(), default: []].append(catalogue.count + bulkProducts.count)
            bulkProducts.append(product)
            productBySKU[product.sku.lowercased()] = product
            stock[product.sku] = (10, true)
            skus.append(product.sku)
        }
        return skus
    }

    /// Sets the clock used for new orders, comments and updated_at.
    public func setClock(_ clock: @escaping @Sendable () -> Date) { self.clock = clock }

    /// Marks an order changed now (a status change in the admin), bumping updated_at.
    public func touch(_ entityID: Int, status: String? = nil) {
        guard orders[entityID] != nil else { return }
        if let status { orders[entityID]!["status"] = .string(status) }
        orders[entityID]!["updated_at"] = .string(MagentoDate.string(clock()))
    }

    /// Moves an order to another state and status (an invoice, a shipment, a cancellation in the admin).
    public func setState(_ entityID: Int, state: String, status: String) {
        guard orders[entityID] != nil else { return }
        orders[entityID]!["state"] = .string(state)
        orders[entityID]!["status"] = .string(status)
        orders[entityID]!["updated_at"] = .string(MagentoDate.string(clock()))
    }

    /// One order as the API returns it.
    public func order(_ entityID: Int) -> JSONValue? { orders[entityID].map { .object($0) } }

    /// The number of orders.
    public var orderCount: Int { orders.count }

    /// The comments of an order, newest first as Magento lists them.
    public func comments(_ entityID: Int) -> [JSONValue] { orders[entityID]?["status_histories"]?.array ?? [] }

    /// Legacy stock of a SKU.
    public func stockLevel(_ sku: String) -> (qty: Decimal, inStock: Bool)? { stock[sku].map { ($0.qty, $0.inStock) } }

    /// MSI quantity of a SKU at a source.
    public func sourceQuantity(_ sku: String, source: String = "default") -> Decimal? { sourceItems[sku]?[source]?.qty }

    /// The catalogue (its SKUs are the ones the Sage simulator uses).
    public var products: [SandboxProduct] { catalogue + bulkProducts }

    /// Every call recorded so far.
    public func requestLog() -> [SandboxLogEntry] { log }

    /// Forgets the recorded calls.
    public func clearLog() { log.removeAll() }

    /// The most API calls the server was answering at the same time before it finished the first one
    /// (authenticated calls, from their start to the end of the simulated latency): how many requests a client
    /// puts in flight at once from the start.
    public private(set) var firstWaveInFlight = 0
    private var inFlight = 0
    private var answered = false

    func callStarted() {
        inFlight += 1
        if !answered { firstWaveInFlight = max(firstWaveInFlight, inFlight) }
    }

    func callEnded() {
        inFlight -= 1
        answered = true
    }

    func record(_ entry: SandboxLogEntry) { log.append(entry) }

    func roll() -> Double { faultRandom.nextUnit() }

    func productJSON(_ p: SandboxProduct) -> [String: JSONValue] {
        [
            "id": .int(p.id), "sku": .string(p.sku), "name": .string(p.name), "attribute_set_id": 4,
            "price": .decimal(p.price), "status": 1, "visibility": 4, "type_id": .string(p.kind.rawValue),
            "created_at": "2024-06-01 09:00:00", "updated_at": "2024-06-01 09:00:00",
        ]
    }
}

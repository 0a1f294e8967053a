import FerryValues
public import Foundation
public import MagentoConnector

extension SplitMix64 {
    /// The sandbox's generator for `seed`: one step ahead of `SplitMix64(seed:)`, as the sandbox has always been
    /// seeded, so a seed still gives the same store (tests and demos name their seeds).
    init(sandboxSeed seed: UInt64) {
        self.init(seed: seed)
        _ = next()
    }
}

/// A product of the sandbox catalogue: the Sage simulator uses the same list so SKUs match.
public struct SandboxProduct: Sendable, Equatable {
    public enum Kind: String, Sendable { case simple, configurable, bundle }
    public let id: Int
    public let sku: String
    public let name: String
    /// Price excluding VAT, in pence/cents.
    public let priceCents: Int
    public let kind: Kind
    /// VAT rate in percent (20 standard, 5 reduced).
    public let vatRate: Int
    /// Children SKUs (configurable variants, bundle parts).
    public let children: [String]
    /// Starting stock.
    public let qty: Int

    /// Price as a decimal.
    public var price: Decimal { Decimal(priceCents) / 100 }

    /// Creates a product.
    public init(id: Int, sku: String, name: String, priceCents: Int, kind: Kind, vatRate: Int, children: [String], qty: Int) {
        self.id = id
        self.sku = sku
        self.name = name
        self.priceCents = priceCents
        self.kind = kind
        self.vatRate = vatRate
        self.children = children
        self.qty = qty
    }
}

/// The generated catalogue and orders.
public enum SandboxData {
    /// The catalogue for a seed: simple products, configurables (parent + sized children), bundles.
    public static func catalogue(seed: UInt64) -> [SandboxProduct] {
        var rng = SplitMix64(sandboxSeed: seed ^ 0xCA7A_1060)
        var products: [SandboxProduct] = []
        var id = 1
        let simples: [(String, String, Int)] = [
            ("BOARD001", "Whiteboard 900 x 600 mm", 20), ("PAPER001", "A4 copier paper, 5 x 500 sheets", 20),
            ("PEN/BLK-10", "Ballpoint pens, black, box of 10", 20), ("CHAIR002", "Ergonomic office chair", 20),
            ("DESK-OAK-1600", "Oak desk 1600 mm", 20), ("SEAT-CHILD", "Child car seat, group 1/2/3", 5),
            ("LAMP-LED-01", "LED desk lamp with USB charger", 20), ("BOOK-ACC-101", "Bookkeeping for beginners", 0),
            ("INK-CYAN-XL", "Ink cartridge cyan XL", 20), ("MUG-LOGO", "Mug with company logo", 20),
            ("CABLE-USB-C", "USB-C cable 2 m", 20), ("SOLAR-PANEL-S", "Domestic solar panel, small", 5),
        ]
        for (sku, name, vat) in simples {
            products.append(
                SandboxProduct(
                    id: id, sku: sku, name: name, priceCents: Int.random(in: 199...24999, using: &rng), kind: .simple,
                    vatRate: vat, children: [], qty: Int.random(in: 0...200, using: &rng)))
            id += 1
        }
        for (base, name) in [("WS12", "Radiant Tee"), ("MJ01", "Beaumont Summit Kit"), ("WB04", "Overnight Duffle")] {
            let sizes = ["S", "M", "L"]
            let colour = ["Orange", "Blue", "Black"][Int.random(in: 0...2, using: &rng)]
            let price = Int.random(in: 1500...9900, using: &rng)
            let children = sizes.map { "\(base)-\($0)-\(colour)" }
            for (i, child) in children.enumerated() {
                products.append(
                    SandboxProduct(
                        id: id, sku: child, name: "\(name)-\(sizes[i])-\(colour)", priceCents: price, kind: .simple,
                        vatRate: 20, children: [], qty: Int.random(in: 0...80, using: &rng)))
                id += 1
            }
            products.append(
                SandboxProduct(
                    id: id, sku: base, name: name, priceCents: price, kind: .configurable, vatRate: 20,
                    children: children, qty: 0))
            id += 1
        }
        products.append(
            SandboxProduct(
                id: id, sku: "BUNDLE-OFFICE-STARTER", name: "Office starter bundle (desk, chair, lamp)",
                priceCents: 39900, kind: .bundle, vatRate: 20, children: ["DESK-OAK-1600", "CHAIR002", "LAMP-LED-01"],
                qty: 0))
        return products
    }

    /// Builds one order as Magento's REST API returns it: a generated cart priced by Magento's tax model under
    /// `settings` (by default a UK store pricing gross, total-base rounding, tax after discount).
    static func order(
        entityID: Int, seed: UInt64, catalogue: [SandboxProduct], createdAt: String,
        settings: MagentoTaxSettings = MagentoTaxSettings()
    ) -> [String: JSONValue] {
        let (cart, customer) = SandboxCartGenerator(catalogue: catalogue).cart(seed: seed, entityID: entityID)
        return cart.magentoOrder(settings: settings, customer: customer, entityID: entityID, createdAt: createdAt)
    }
}

import FerryValues
public import Foundation

/// One product of the shared demo catalogue: the Magento sandbox sells it, the Sage simulator stocks it.
public struct DemoProduct: Sendable, Hashable {
    /// How the product appears in Magento.
    public enum Kind: Sendable, Hashable {
        /// A plain product.
        case simple
        /// A variant of a configurable product; Magento orders carry the parent row with the child's SKU.
        case configurableChild(parentSku: String)
        /// A bundle of other catalogue SKUs (one of each); Sage stocks it too, for the `bundle` line mode.
        case bundle(components: [String])
    }

    /// SKU in Magento and stock code in Sage (upper case, Sage's character set, at most 30).
    public var sku: String
    /// Product name (at most 60: Sage's line description).
    public var name: String
    /// Net unit price in GBP.
    public var price: Decimal
    /// VAT percent: 20 (standard), 5 (reduced) or 0 (zero-rated).
    public var taxRate: Decimal
    /// Simple, configurable child or bundle.
    public var kind: Kind
    /// Stock at the start of the demo.
    public var initialStock: Int
    /// Sage's "Publish to Web" flag.
    public var publish: Bool

    /// Sage 50 tax code of ``taxRate`` for a UK sale (20 -> 1, 5 -> 5, 0 -> 0).
    public var sageTaxCode: Int {
        switch taxRate {
        case 20: 1
        case 5: 5
        default: 0
        }
    }

    /// The configurable parent's SKU, for children.
    public var parentSku: String? {
        if case .configurableChild(let parent) = kind { return parent }
        return nil
    }
}

/// The deterministic demo catalogue shared by the Magento sandbox and the Sage simulator, so the demo's SKUs
/// line up on both sides. The same seed gives the same catalogue on every machine and Swift version (own PRNG).
public enum DemoCatalogue {
    /// The seed both sides use unless told otherwise.
    public static let defaultSeed: UInt64 = 2024

    /// Products for `seed`: 24 simple products, 3 configurable products with 6 children each (sizes x
    /// colours), 3 bundles; a few unpublished, a few out of stock, reduced- and zero-rated lines included.
    public static func products(seed: UInt64 = defaultSeed) -> [DemoProduct] {
        var random = SplitMix64(seed: seed)
        var products: [DemoProduct] = []
        let simple: [(String, String, Decimal)] = [
            ("BOARD", "Whiteboard", 20), ("DESK", "Desk", 5), ("CHAIR", "Office Chair", 20),
            ("LAMP", "Desk Lamp", 20), ("BOOK", "Printed Guide", 0), ("SEAT", "Child Car Seat", 5),
            ("PAPER", "Copier Paper", 20), ("PEN", "Ballpoint Pens", 20),
        ]
        for (prefix, name, rate) in simple {
            for index in 1...3 {
                let pence = Decimal(random.next(in: 199...29_999))
                products.append(
                    DemoProduct(
                        sku: "\(prefix)\(index < 10 ? "00" : "0")\(index)", name: "\(name) \(variantName(index))",
                        price: pence / 100, taxRate: rate, kind: .simple,
                        initialStock: random.next(in: 0...9) == 0 ? 0 : random.next(in: 1...60),
                        publish: random.next(in: 0...7) != 0))
            }
        }
        let configurables = [("TEE", "Logo T-Shirt"), ("HOOD", "Zip Hoodie"), ("CAP", "Baseball Cap")]
        for (prefix, name) in configurables {
            let pence = Decimal(random.next(in: 999...4_999))
            for colour in ["RED", "BLUE"] {
                for size in ["S", "M", "L"] {
                    products.append(
                        DemoProduct(
                            sku: "\(prefix)-\(colour)-\(size)", name: "\(name) \(colour.capitalized) \(size)",
                            price: pence / 100, taxRate: 20, kind: .configurableChild(parentSku: prefix),
                            initialStock: random.next(in: 0...25), publish: true))
                }
            }
        }
        let bundles = [("KIT-DESK", "Desk Starter Kit", ["DESK001", "LAMP001", "PEN001"]),
                       ("KIT-CLASS", "Classroom Kit", ["BOARD001", "PEN002", "PAPER001"]),
                       ("KIT-TEE", "Team Shirt Pack", ["TEE-RED-M", "TEE-BLUE-M", "CAP-RED-M"])]
        for (sku, name, components) in bundles {
            let total = components.compactMap { c in products.first { $0.sku == c }?.price }.reduce(0, +)
            products.append(
                DemoProduct(
                    sku: sku, name: name, price: total, taxRate: 20, kind: .bundle(components: components),
                    initialStock: random.next(in: 0...10), publish: true))
        }
        return products
    }

    private static func variantName(_ index: Int) -> String { ["Standard", "Plus", "Pro"][(index - 1) % 3] }
}

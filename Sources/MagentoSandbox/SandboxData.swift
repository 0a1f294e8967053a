public import Foundation
public import MagentoConnector

/// A deterministic random source (SplitMix64): the same seed always gives the same store.
struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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
        var rng = SeededRandom(seed: seed ^ 0xCA7A_1060)
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

    struct Place {
        let country: String
        let region: String
        let city: String
        let postcode: String
        let currency: String
        let zone: Int  // 0 UK, 1 EU, 2 rest of world
    }

    static let places: [Place] = [
        Place(country: "GB", region: "Greater London", city: "London", postcode: "EC1A 1BB", currency: "GBP", zone: 0),
        Place(country: "GB", region: "West Yorkshire", city: "Leeds", postcode: "LS1 4AP", currency: "GBP", zone: 0),
        Place(country: "GB", region: "Highland", city: "Inverness", postcode: "IV2 3HH", currency: "GBP", zone: 0),
        Place(country: "FR", region: "Île-de-France", city: "Paris", postcode: "75002", currency: "EUR", zone: 1),
        Place(country: "DE", region: "Bayern", city: "München", postcode: "80331", currency: "EUR", zone: 1),
        Place(country: "IE", region: "Dublin", city: "Dún Laoghaire", postcode: "A96 K4D8", currency: "EUR", zone: 1),
        Place(country: "US", region: "New York", city: "Purchase", postcode: "10577", currency: "USD", zone: 2),
        Place(country: "AU", region: "New South Wales", city: "Sydney", postcode: "2000", currency: "USD", zone: 2),
    ]
    static let firstNames = ["Jane", "John", "Siobhán", "François", "Zoë", "Bartholomew-Alexander", "Amira", "Olu"]
    static let lastNames = ["Doe", "O'Neill", "Müller", "Smith & Sons", "Montgomery-Featherstonehaugh", "Nguyễn", "Okafor"]
    static let streets = [
        ["123 Oak Ave"], ["Flat 4", "27 Kingsway"], ["Unit 12, Riverside Business Park", "Old Mill Lane", "Kirkstall"],
        ["1 Rue de Rivoli"], ["Marienplatz 8", "3. OG"],
    ]

    static func money(_ cents: Int) -> JSONValue { .number((Decimal(cents) / 100).description) }

    /// Builds one order as Magento's REST API returns it.
    static func order(
        entityID: Int, seed: UInt64, catalogue: [SandboxProduct], createdAt: String
    ) -> [String: JSONValue] {
        var rng = SeededRandom(seed: seed &+ UInt64(entityID) &* 7919)
        let place = places[Int.random(in: 0..<places.count, using: &rng)]
        let guest = Int.random(in: 0..<4, using: &rng) == 0
        let first = firstNames[Int.random(in: 0..<firstNames.count, using: &rng)]
        let last = lastNames[Int.random(in: 0..<lastNames.count, using: &rng)]
        let email = "\(first.lowercased().filter(\.isLetter)).\(entityID)@example.com"
        let street = streets[Int.random(in: 0..<streets.count, using: &rng)]
        let company: JSONValue? = Int.random(in: 0..<3, using: &rng) == 0 ? "Acme Widgets (Northern) Limited" : nil

        var items: [JSONValue] = []
        var itemID = entityID * 100
        var subtotal = 0
        var tax = 0
        var discount = 0
        var qtyTotal = 0
        let variantSKUs = Set(catalogue.filter { $0.kind == .configurable }.flatMap(\.children))
        let sellable = catalogue.filter { !variantSKUs.contains($0.sku) }
        let lines = Int.random(in: 1...4, using: &rng)
        let couponOrder = Int.random(in: 0..<4, using: &rng) == 0
        for _ in 0..<lines {
            let product = sellable[Int.random(in: 0..<sellable.count, using: &rng)]
            let qty = Int.random(in: 1...5, using: &rng)
            let rate = place.zone == 2 ? 0 : product.vatRate
            let row = product.priceCents * qty
            let lineDiscount = couponOrder ? row / 10 : 0
            let lineTax = ((row - lineDiscount) * rate + 50) / 100
            subtotal += row
            tax += lineTax
            discount += lineDiscount
            qtyTotal += qty
            itemID += 1
            let parentID = itemID
            var sku = product.sku
            if product.kind == .configurable {
                sku = product.children[Int.random(in: 0..<product.children.count, using: &rng)]
            }
            var parent: [String: JSONValue] = [
                "item_id": .int(parentID), "order_id": .int(entityID), "sku": .string(sku), "name": .string(product.name),
                "product_id": .int(product.id), "product_type": .string(product.kind.rawValue), "qty_ordered": .int(qty),
                "price": money(product.priceCents), "base_price": money(product.priceCents),
                "original_price": money(product.priceCents),
                "price_incl_tax": money(product.priceCents + (product.priceCents * rate + 50) / 100),
                "tax_percent": .int(rate), "tax_amount": money(lineTax), "discount_amount": money(lineDiscount),
                "row_total": money(row), "row_total_incl_tax": money(row + lineTax), "created_at": .string(createdAt),
                "updated_at": .string(createdAt), "store_id": 1,
            ]
            if product.kind == .configurable { parent["product_option"] = ["extension_attributes": [:]] }
            items.append(.object(parent))
            let childSKUs = product.kind == .configurable ? [sku] : product.kind == .bundle ? product.children : []
            for child in childSKUs {
                itemID += 1
                let childProduct = catalogue.first { $0.sku == child }
                var row: [String: JSONValue] = [
                    "item_id": .int(itemID), "order_id": .int(entityID), "parent_item_id": .int(parentID),
                    "sku": .string(child), "name": .string(childProduct?.name ?? child),
                    "product_id": .int(childProduct?.id ?? 0), "product_type": "simple", "qty_ordered": .int(qty),
                    "price": 0, "base_price": 0, "original_price": 0, "price_incl_tax": 0, "tax_percent": 0,
                    "tax_amount": 0, "discount_amount": 0, "row_total": 0, "row_total_incl_tax": 0,
                    "created_at": .string(createdAt), "updated_at": .string(createdAt), "store_id": 1,
                ]
                row["parent_item"] = .object(parent)
                items.append(.object(row))
            }
        }
        let shipping = place.zone == 0 ? 495 : place.zone == 1 ? 1250 : 2500
        let shippingTax = place.zone == 2 ? 0 : (shipping * 20 + 50) / 100
        tax += shippingTax
        let grand = subtotal - discount + shipping + tax
        func address(_ type: String) -> JSONValue {
            var a: [String: JSONValue] = [
                "address_type": .string(type), "firstname": .string(first), "lastname": .string(last),
                "street": .array(street.map { .string($0) }), "city": .string(place.city), "region": .string(place.region),
                "postcode": .string(place.postcode), "country_id": .string(place.country), "telephone": "+44 20 7946 0958",
                "email": .string(email), "parent_id": .int(entityID), "entity_id": .int(entityID * 2 + (type == "billing" ? 0 : 1)),
            ]
            if let company { a["company"] = company }
            return .object(a)
        }
        var order: [String: JSONValue] = [
            "entity_id": .int(entityID), "increment_id": .string(String(format: "%09d", 100_000_000 + entityID)),
            "created_at": .string(createdAt), "updated_at": .string(createdAt), "state": "new", "status": "pending",
            "store_id": 1, "store_name": "Main Website\nMain Website Store\nDefault Store View",
            "customer_email": .string(email), "customer_firstname": .string(first), "customer_lastname": .string(last),
            "customer_is_guest": .int(guest ? 1 : 0), "customer_group_id": .int(guest ? 0 : 1),
            "order_currency_code": .string(place.currency), "base_currency_code": .string(place.currency),
            "global_currency_code": .string(place.currency), "store_currency_code": .string(place.currency),
            "subtotal": money(subtotal), "base_subtotal": money(subtotal), "tax_amount": money(tax),
            "base_tax_amount": money(tax), "shipping_amount": money(shipping), "base_shipping_amount": money(shipping),
            "shipping_tax_amount": money(shippingTax), "shipping_incl_tax": money(shipping + shippingTax),
            "discount_amount": money(-discount), "base_discount_amount": money(-discount),
            "grand_total": money(grand), "base_grand_total": money(grand), "total_qty_ordered": .int(qtyTotal),
            "weight": .int(qtyTotal), "shipping_description": "Flat Rate - Fixed", "items": .array(items),
            "billing_address": address("billing"),
            "payment": [
                "method": "checkmo", "amount_ordered": money(grand), "base_amount_ordered": money(grand),
                "additional_information": ["Check / Money order"], "account_status": "", "cc_last4": "",
                "parent_id": .int(entityID), "entity_id": .int(entityID),
            ],
            "status_histories": [],
            "extension_attributes": [
                "shipping_assignments": [
                    [
                        "shipping": [
                            "address": address("shipping"), "method": "flatrate_flatrate",
                            "total": ["shipping_amount": money(shipping), "shipping_tax_amount": money(shippingTax)],
                        ],
                        "items": [],
                    ]
                ]
            ],
        ]
        if !guest { order["customer_id"] = .int(1000 + entityID % 97) }
        if couponOrder {
            order["coupon_code"] = "SAVE10"
            order["discount_description"] = "SAVE10"
        }
        return order
    }
}

import FerryValues
public import Foundation

/// Makes realistic carts from a seed: UK, EU (consumers and VAT-registered businesses) and rest-of-world
/// customers in GBP, EUR and USD; simple products, configurables, fixed and dynamic bundles; gross prices that
/// do not split evenly (3.33, 14.12), decimal quantities, coupons (some on shipping, some 100 %), free shipping,
/// long names and SKUs Sage 50 cannot take.
public struct SandboxCartGenerator: Sendable {
    /// The products lines are drawn from.
    public let catalogue: [SandboxProduct]
    /// Also draw products with over-long names and odd SKUs (Sage refuses or needs a map for them).
    public var oddProducts: Bool

    /// Creates a generator over `catalogue`.
    public init(catalogue: [SandboxProduct], oddProducts: Bool = false) {
        self.catalogue = catalogue
        self.oddProducts = oddProducts
    }

    struct Place {
        let country: String
        let region: String
        let city: String
        let postcode: String
        let currency: String
        /// A VAT number: the customer is a VAT-registered EU business.
        let vatNumber: String?
    }

    static let places: [Place] = [
        Place(country: "GB", region: "Greater London", city: "London", postcode: "EC1A 1BB", currency: "GBP", vatNumber: nil),
        Place(country: "GB", region: "West Yorkshire", city: "Leeds", postcode: "LS1 4AP", currency: "GBP", vatNumber: nil),
        Place(country: "GB", region: "Highland", city: "Inverness", postcode: "IV2 3HH", currency: "GBP", vatNumber: nil),
        Place(country: "FR", region: "Île-de-France", city: "Paris", postcode: "75002", currency: "EUR", vatNumber: nil),
        Place(country: "DE", region: "Bayern", city: "München", postcode: "80331", currency: "EUR", vatNumber: nil),
        Place(country: "IE", region: "Dublin", city: "Dún Laoghaire", postcode: "A96 K4D8", currency: "EUR", vatNumber: nil),
        Place(country: "DE", region: "Berlin", city: "Berlin", postcode: "10117", currency: "EUR", vatNumber: "DE136695976"),
        Place(country: "IE", region: "Cork", city: "Cork", postcode: "T12 X70A", currency: "EUR", vatNumber: "IE6388047V"),
        Place(country: "US", region: "New York", city: "Purchase", postcode: "10577", currency: "USD", vatNumber: nil),
        Place(country: "AU", region: "New South Wales", city: "Sydney", postcode: "2000", currency: "USD", vatNumber: nil),
    ]
    static let firstNames = ["Jane", "John", "Siobhán", "François", "Zoë", "Bartholomew-Alexander", "Amira", "Olu", "Łukasz"]
    static let lastNames = ["Doe", "O'Neill", "Müller", "Smith & Sons", "Montgomery-Featherstonehaugh", "Nguyễn", "Okafor"]
    static let streets = [
        ["123 Oak Ave"], ["Flat 4", "27 Kingsway"], ["Unit 12, Riverside Business Park", "Old Mill Lane", "Kirkstall"],
        ["1 Rue de Rivoli"], ["Marienplatz 8", "3. OG"],
    ]
    /// Prices a merchant types that split awkwardly into net and VAT.
    static let awkwardPrices = ["3.33", "0.99", "14.12", "1.17", "2.49", "19.99", "7.77", "0.01", "123.45", "4.99"]
        .map { Decimal(string: $0)! }
    static let decimalQuantities = ["0.5", "1.5", "2.25", "0.75", "1.333"].map { Decimal(string: $0)! }
    static let notes = [
        "Please leave with the neighbour at no. 12 if nobody is in.",
        "Deliver to the side entrance; the front door is not in use until the building work ends in March.",
        "Gift: no prices in the parcel, please.",
    ]
    /// Products that break Sage 50's rules (stock code over 30 characters or with spaces and lower case).
    static let oddCatalogue: [SandboxProduct] = [
        SandboxProduct(
            id: 9001, sku: "very-long-configurable-sku-with-colour-and-size-XL", name: "Hoodie", priceCents: 3999,
            kind: .simple, vatRate: 20, children: [], qty: 5),
        SandboxProduct(
            id: 9002, sku: "gift card £25", name: "Gift card", priceCents: 2500, kind: .simple, vatRate: 0, children: [],
            qty: 100),
        SandboxProduct(
            id: 9003, sku: "TEA-ASSAM-500", name: String(repeating: "Organic second-flush Assam, loose leaf, ", count: 3),
            priceCents: 1249, kind: .simple, vatRate: 0, children: [], qty: 40),
    ]

    /// A cart and its customer for `seed`.
    public func cart(seed: UInt64, entityID: Int) -> (cart: SandboxCart, customer: SandboxCustomer) {
        var rng = SplitMix64(sandboxSeed: seed &+ UInt64(entityID) &* 7919)
        func one<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
        func chance(_ n: Int) -> Bool { Int.random(in: 0..<n, using: &rng) == 0 }
        let place = one(Self.places)
        let guest = chance(4)
        let first = one(Self.firstNames)
        let last = one(Self.lastNames)
        let customer = SandboxCustomer(
            firstname: first, lastname: last, email: "\(first.lowercased().filter(\.isLetter)).\(entityID)@example.com",
            customerId: guest ? nil : 1000 + entityID % 97,
            company: place.vatNumber != nil || chance(3) ? "Acme Widgets (Northern) Limited" : nil,
            street: one(Self.streets), city: place.city, region: place.region, postcode: place.postcode,
            telephone: "+44 20 7946 0958")

        let variants = Set(catalogue.filter { $0.kind == .configurable }.flatMap(\.children))
        let bySKU = Dictionary(catalogue.map { ($0.sku, $0) }, uniquingKeysWith: { first, _ in first })
        let sellable = catalogue.filter { !variants.contains($0.sku) }
        func taxClass(_ product: SandboxProduct) -> SandboxTaxClass {
            product.vatRate == 0 ? .zero : product.vatRate < 20 ? .reduced : .standard
        }
        func price(_ product: SandboxProduct) -> Decimal {
            chance(3) ? one(Self.awkwardPrices) : product.price
        }
        func part(_ sku: String) -> SandboxCartLine.Part {
            let product = bySKU[sku]
            return SandboxCartLine.Part(
                sku: sku, name: product?.name ?? sku, productId: product?.id ?? 0,
                price: product.map(price) ?? 0, quantity: 1, taxClass: product.map(taxClass) ?? .standard)
        }
        var lines: [SandboxCartLine] = []
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            // One line in twenty, when asked, is a product Sage 50 cannot take as it is.
            let product = oddProducts && chance(20) ? one(Self.oddCatalogue) : one(sellable)
            var quantity = Decimal(Int.random(in: 1...5, using: &rng))
            if product.kind == .simple && chance(15) { quantity = one(Self.decimalQuantities) }
            var line = SandboxCartLine(
                kind: .simple, sku: product.sku, name: product.name, productId: product.id, price: price(product),
                quantity: quantity, taxClass: taxClass(product), parts: [])
            switch product.kind {
            case .simple: break
            case .configurable:
                line.kind = .configurable
                line.parts = [part(one(product.children))]
            case .bundle:
                line.kind = chance(2) ? .fixedBundle : .dynamicBundle
                line.parts = product.children.map(part)
            }
            lines.append(line)
        }

        let freeShipping = chance(8)
        let zone = place.country == "GB" ? 0 : SandboxCountryRates.of(place.country).standard > 0 ? 1 : 2
        let shipping: Decimal = freeShipping ? 0 : [Decimal(string: "4.95")!, Decimal(string: "12.50")!, 25][zone]
        let coupon = chance(4)
        let percent: Decimal = coupon ? one([10, 15, 20, 33, 100]) : 0
        let cart = SandboxCart(
            lines: lines, country: place.country, vatNumber: place.vatNumber, currency: place.currency,
            baseToOrderRate: place.currency == "EUR"
                ? Decimal(string: "1.1712")! : place.currency == "USD" ? Decimal(string: "1.2698")! : 1,
            shipping: shipping, shippingMethod: freeShipping ? "freeshipping_freeshipping" : "flatrate_flatrate",
            shippingDescription: freeShipping ? "Free Shipping - Free" : "Flat Rate - Fixed", couponPercent: percent,
            couponCode: coupon ? "SAVE\(percent)" : nil, couponAppliesToShipping: coupon && chance(2),
            customerNote: chance(5) ? one(Self.notes) : nil,
            giftMessage: chance(10) ? "Happy birthday, \(first)! Lots of love from all of us in the office." : nil)
        return (cart, customer)
    }
}

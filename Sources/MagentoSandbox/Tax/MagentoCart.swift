public import Foundation

/// A product's tax class, which picks the customer's rate.
public enum SandboxTaxClass: String, Sendable, Hashable, CaseIterable {
    case standard, reduced, zero
}

/// A country's VAT rates by tax class (percent).
public struct SandboxCountryRates: Sendable, Hashable {
    public var standard: Decimal
    public var reduced: Decimal

    /// The rate of `taxClass` (zero-rated goods are 0 everywhere).
    public func rate(_ taxClass: SandboxTaxClass) -> Decimal {
        switch taxClass {
        case .standard: standard
        case .reduced: reduced
        case .zero: 0
        }
    }

    /// The rates the sandbox knows: UK 20/5/0, IE 23/13.5, FR 20/5.5, DE 19/7, rest of the world 0.
    public static func of(_ country: String) -> SandboxCountryRates {
        switch country {
        case "GB", "IM": SandboxCountryRates(standard: 20, reduced: 5)
        case "IE": SandboxCountryRates(standard: 23, reduced: Decimal(string: "13.5")!)
        case "FR": SandboxCountryRates(standard: 20, reduced: Decimal(string: "5.5")!)
        case "DE": SandboxCountryRates(standard: 19, reduced: 7)
        default: SandboxCountryRates(standard: 0, reduced: 0)
        }
    }
}

/// A row of a cart: a simple product, a configurable (parent priced, one child naming the variant) or a bundle
/// (fixed price: the parent priced, its parts at 0; dynamic price: the parts priced, the parent their sum).
public struct SandboxCartLine: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case simple, configurable, fixedBundle, dynamicBundle }
    /// One part of a bundle, or the variant of a configurable.
    public struct Part: Sendable, Hashable {
        public var sku: String
        public var name: String
        public var productId: Int
        /// Its catalogue price in the base currency (dynamic bundles), as configured (gross or net).
        public var price: Decimal
        /// Units of the part per unit of the line.
        public var quantity: Decimal
        public var taxClass: SandboxTaxClass
    }

    public var kind: Kind
    public var sku: String
    public var name: String
    public var productId: Int
    /// The catalogue price in the base currency, as configured (gross or net); unused for dynamic bundles.
    public var price: Decimal
    public var quantity: Decimal
    public var taxClass: SandboxTaxClass
    public var parts: [Part]
}

/// A cart as the checkout leaves it, ready to be priced by ``MagentoTaxSettings`` into Magento's order.
public struct SandboxCart: Sendable, Hashable {
    public var lines: [SandboxCartLine]
    /// The delivery country (ISO 3166 alpha-2).
    public var country: String
    /// An EU customer's VAT number: such customers are in a tax-exempt group (0 %).
    public var vatNumber: String?
    /// The order currency; the base currency is GBP.
    public var currency: String
    /// Order-currency units per GBP (`base_to_order_rate`).
    public var baseToOrderRate: Decimal
    /// Shipping in the base currency (0 for free shipping), gross or net as the shipping setting says.
    public var shipping: Decimal
    public var shippingMethod: String
    public var shippingDescription: String
    /// A percent coupon (0...100) and whether its rule also discounts shipping.
    public var couponPercent: Decimal
    public var couponCode: String?
    public var couponAppliesToShipping: Bool
    public var customerNote: String?
    public var giftMessage: String?
}

/// Who ordered: the parts of the order that are not money.
public struct SandboxCustomer: Sendable, Hashable {
    public var firstname: String
    public var lastname: String
    public var email: String
    /// nil for a guest.
    public var customerId: Int?
    public var company: String?
    public var street: [String]
    public var city: String
    public var region: String
    public var postcode: String
    public var telephone: String
}

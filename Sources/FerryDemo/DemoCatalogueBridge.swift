import Foundation
public import MagentoSandbox
import SageSide

/// The shared demo catalogue as the Magento sandbox sells it, so the Sage simulator (which stocks
/// `DemoCatalogue` itself) and the store agree on every SKU.
public enum DemoCatalogueBridge {
    /// Sandbox products for `seed`: the catalogue's simple products and bundles, plus one configurable parent
    /// per family of configurable children.
    public static func sandboxCatalogue(seed: UInt64 = DemoCatalogue.defaultSeed) -> [SandboxProduct] {
        let demo = DemoCatalogue.products(seed: seed)
        var products: [SandboxProduct] = []
        var id = 1
        var families: [String: [DemoProduct]] = [:]
        var familyOrder: [String] = []
        for product in demo {
            let cents = NSDecimalNumber(decimal: product.price * 100).intValue
            let vat = NSDecimalNumber(decimal: product.taxRate).intValue
            switch product.kind {
            case .simple:
                products.append(SandboxProduct(id: id, sku: product.sku, name: product.name, priceCents: cents, kind: .simple, vatRate: vat, children: [], qty: product.initialStock))
            case .configurableChild(let parent):
                if families[parent] == nil { familyOrder.append(parent) }
                families[parent, default: []].append(product)
                products.append(SandboxProduct(id: id, sku: product.sku, name: product.name, priceCents: cents, kind: .simple, vatRate: vat, children: [], qty: product.initialStock))
            case .bundle(let components):
                products.append(SandboxProduct(id: id, sku: product.sku, name: product.name, priceCents: cents, kind: .bundle, vatRate: vat, children: components, qty: 0))
            }
            id += 1
        }
        for parent in familyOrder {
            let children = families[parent] ?? []
            let first = children.first
            let cents = first.map { NSDecimalNumber(decimal: $0.price * 100).intValue } ?? 0
            let vat = first.map { NSDecimalNumber(decimal: $0.taxRate).intValue } ?? 20
            let name = first.map { $0.name.components(separatedBy: " - ").first ?? $0.name } ?? parent
            products.append(SandboxProduct(id: id, sku: parent, name: name, priceCents: cents, kind: .configurable, vatRate: vat, children: children.map(\.sku), qty: 0))
            id += 1
        }
        return products
    }
}

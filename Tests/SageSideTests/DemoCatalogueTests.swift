import Foundation
import SageSide
import Testing

@Suite("The shared demo catalogue")
struct DemoCatalogueTests {
    @Test func deterministicAndValidForSage() {
        let products = DemoCatalogue.products()
        #expect(products == DemoCatalogue.products(seed: DemoCatalogue.defaultSeed))
        #expect(products != DemoCatalogue.products(seed: 7))
        #expect(products.count == 45)
        #expect(Set(products.map(\.sku)).count == products.count)
        for product in products {
            #expect(product.sku.count <= 30 && product.sku.allSatisfy(PreValidator.stockCodeCharacters.contains))
            #expect(product.name.count <= 60)
            #expect(product.price > 0)
        }
        #expect(products.filter { $0.parentSku != nil }.count == 18)
        #expect(Set(products.map(\.taxRate)) == [0, 5, 20])
        // Bundle components exist in the catalogue.
        for product in products {
            if case .bundle(let components) = product.kind {
                #expect(components.allSatisfy { c in products.contains { $0.sku == c } })
            }
        }
    }
}

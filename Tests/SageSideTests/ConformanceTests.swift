import FerryValues
import FerryXML
import Foundation
import SageSide
import Testing

/// The real samples in `../shared/reference/zynk`, read in place; skipped when the folder is absent.
@Suite("Conformance with the Zynk reference samples")
struct ConformanceTests {
    @Test(.enabled(if: reference("samples-repo/magento_order.xml") != nil))
    func magentoOrderSampleMapsToAValidSalesOrder() throws {
        let url = try #require(reference("samples-repo/magento_order.xml"))
        let orders = try records(url, ["ArrayOfOrderInfo", "OrderInfo"]).map(MagentoOrder.init(record:))
        #expect(orders.count == 1)
        let order = try #require(orders.first)
        #expect(order.incrementId == "100000002")
        #expect(order.grandTotal == d("87.76"))
        let settings = OrderMappingSettings()
        let mapped = try OrderMapper(settings: settings).map(order)
        let outcome = PreValidator(settings: settings).validate(mapped.salesOrder, grandTotal: mapped.grandTotal)
        #expect(outcome.violations == [])
        #expect(mapped.salesOrder.id == "2")
        #expect(mapped.salesOrder.customerOrderNumber == "100000002")
        #expect(mapped.salesOrder.salesOrderDate == "2013-04-29T14:11:04")  // BST
        #expect(mapped.salesOrder.items.map(\.sku) == ["76460"])
        #expect(mapped.salesOrder.items.first?.sageNet == d("56.47"))
        #expect(OrderMapper(settings: settings).predictedSageTotal(outcome.order) == d("87.76"))
    }

    @Test(.enabled(if: reference("samples-repo/sage_products.xml") != nil))
    func sageProductsSampleMatchesMagentoInventorySample() throws {
        let products = try #require(reference("samples-repo/sage_products.xml"))
        let inventory = try #require(reference("samples-repo/magento_inventory.xml"))
        var settings = StockMappingSettings()
        settings.publishedOnly = false
        let mapper = StockMapper(settings: settings)
        var mapped: [String: InventoryRecord] = [:]
        var count = 0
        for record in try records(products, ["Company", "Products", "Product"]) {
            count += 1
            let product = try SageProduct(record: record)
            if let row = mapper.map(product, today: "2026-01-01") { mapped[row.sku] = row }
        }
        #expect(count == 107)
        let expected = try records(inventory, ["ArrayOfInventory", "Inventory"])
        #expect(!expected.isEmpty)
        for row in expected {
            let sku = try #require(row.string("sku"))
            let ours = try #require(mapped[sku])
            #expect(ours.qty == d(row.string("qty") ?? ""))
            #expect((ours.isInStock ? "1" : "0") == row.string("is_in_stock"))
        }
    }

    @Test(
        arguments: [
            "samples-repo/Sales Order with Minimal Information.xml",
            "samples-repo/Customer with Sales Order and Card Payment [NOTIFY] .xml",
            "from-docs/Importing-Sales-Orders-into-Sage-50-UK__example1.xml",
        ])
    func salesOrderSamplesParse(_ path: String) throws {
        guard let url = reference(path) else { return }  // reference folder absent: nothing to check
        let orders = try records(url, ["Company", "SalesOrders", "SalesOrder"]).map(SalesOrder.init(record:))
        #expect(orders.count == 1)
        #expect(orders.first?.id.isEmpty == false)
        if path.contains("NOTIFY") {
            #expect(orders.first?.salesOrderNumber == "90130")
            // The success mapping turns it into nothing (no CustomerOrderNumber) rather than a bad update.
            #expect(
                SuccessMapper(settings: SuccessMappingSettings()).map(
                    id: orders.first?.id, customerOrderNumber: orders.first?.customerOrderNumber,
                    salesOrderNumber: orders.first?.salesOrderNumber) == nil)
        } else {
            #expect(orders.first?.items.first?.sku == "TEST01")
            #expect(orders.first?.items.first?.unitPrice == 200)
        }
    }
}

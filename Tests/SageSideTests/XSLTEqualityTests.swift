import FerryTestSupport
import FerryXML
import Foundation
import SageSide
import Testing

/// Strips what differs only in layout: line numbers and whitespace-only text.
func normalized(_ node: XMLNode) -> XMLNode {
    XMLNode(
        name: node.name, attributes: node.attributes,
        text: node.children.isEmpty ? node.text.trimmingCharacters(in: .whitespacesAndNewlines) : "",
        children: node.children.map(normalized), line: 0)
}

let stylesheets = packageRoot.appendingPathComponent("mappings")

@Suite("Native mappings equal the reference XSLT stylesheets")
struct XSLTEqualityTests {
    /// Every default-settings fixture the native mapping sends (the ones it refuses are native only:
    /// pre-validation). Gross (`VatInclusive`) lines, bundles and the other cases of the tax model's orders:
    /// `XSLTSandboxEqualityTests`.
    static let defaultCases = mappingCases.filter {
        guard $0.settings == OrderMappingSettings(), let mapped = try? OrderMapper(settings: $0.settings).map($0.order)
        else { return false }
        return PreValidator(settings: $0.settings).validate(mapped).passed
    }

    @Test func everyDefaultFixtureIsCovered() {
        #expect(Self.defaultCases.count >= 10)
    }

    @Test(arguments: defaultCases)
    func ordersMapping(_ c: MappingCase) async throws {
        try await withTemporaryDirectory { dir in
            let input = dir.appendingPathComponent("orders.xml")
            var summer = c.order
            summer.entityId = "2"
            summer.createdAt = "2024-03-31 01:00:00"  // the first minute of BST
            var winter = c.order
            winter.entityId = "3"
            winter.createdAt = "2024-10-27 00:59:59"  // the last second of BST
            var midnight = c.order
            midnight.entityId = "4"
            midnight.createdAt = "2024-08-31 23:30:00"  // BST rolls over to the next month
            try writeMagentoOrders([c.order, summer, winter, midnight], to: input)
            let native = dir.appendingPathComponent("native.xml")
            _ = try OrderFileMapper(settings: c.settings, logger: quietLogger).map(
                input: input, output: { native }, fail: nil, sent: nil, lookup: nil)
            let xslt = dir.appendingPathComponent("xslt.xml")
            try XSLTTransformer(stylesheet: stylesheets.appendingPathComponent("magento-orders-to-sage-orders.xsl"))
                .transform(input: input, output: xslt)
            let path = ["Company", "SalesOrders", "SalesOrder"]
            let expected = try records(native, path).map(normalized)
            let actual = try records(xslt, path).map(normalized)
            #expect(expected.count == 4)
            #expect(actual == expected)
            // Orders with a VAT number bring their customer records (one per order, in both).
            let customers = ["Company", "Customers", "Customer"]
            #expect(try records(xslt, customers).map(normalized) == records(native, customers).map(normalized))
            #expect(expected.last?.string("SalesOrderDate") == "2024-09-01T00:30:00")
        }
    }

    @Test(.enabled(if: reference("samples-repo/magento_order.xml") != nil))
    func ordersMappingOnTheReferenceSample() async throws {
        let input = try #require(reference("samples-repo/magento_order.xml"))
        try await withTemporaryDirectory { dir in
            let native = dir.appendingPathComponent("native.xml")
            _ = try OrderFileMapper(settings: OrderMappingSettings(), logger: quietLogger).map(
                input: input, output: { native }, fail: nil, sent: nil, lookup: nil)
            let xslt = dir.appendingPathComponent("xslt.xml")
            try XSLTTransformer(stylesheet: stylesheets.appendingPathComponent("magento-orders-to-sage-orders.xsl"))
                .transform(input: input, output: xslt)
            let path = ["Company", "SalesOrders", "SalesOrder"]
            #expect(try records(xslt, path).map(normalized) == records(native, path).map(normalized))
        }
    }

    @Test func successMapping() async throws {
        try await withTemporaryDirectory { dir in
            let input = dir.appendingPathComponent("success.xml")
            let writer = try XMLStreamWriter(url: input)
            try writer.startElement("Company")
            try writer.startElement("SalesOrders")
            for index in 1...3 {
                var order = try OrderMapper(settings: OrderMappingSettings()).map(baseOrder(index)).salesOrder
                order.salesOrderNumber = "\(90_000 + index)"
                if index == 2 { order.customerOrderNumber = nil }
                try writer.write(order.element())
            }
            try writer.endElement()
            try writer.endElement()
            try writer.finish()
            let settings = SuccessMappingSettings()
            let native = dir.appendingPathComponent("native.xml")
            _ = try SuccessFileMapper(settings: settings, logger: quietLogger).map(input: input, output: { native })
            let xslt = dir.appendingPathComponent("xslt.xml")
            try XSLTTransformer(stylesheet: stylesheets.appendingPathComponent("sage-success-to-magento-updates.xsl"))
                .transform(input: input, output: xslt, parameters: ["commentTemplate": settings.commentTemplate])
            let path = ["ArrayOfOrderInfo", "OrderInfo"]
            let expected = try records(native, path).map(normalized)
            #expect(expected.count == 2)
            #expect(try records(xslt, path).map(normalized) == expected)
        }
    }

    @Test(arguments: [("free", true, "zero"), ("inStock", false, "skip"), ("free", false, "skip")])
    func stockMapping(_ basis: String, _ publishedOnly: Bool, _ negative: String) async throws {
        try await withTemporaryDirectory { dir in
            let input = dir.appendingPathComponent("stock.xml")
            var products = DemoCatalogue.products().map {
                SageProduct(
                    sku: $0.sku, name: $0.name, salePrice: $0.price, qtyInStock: Decimal($0.initialStock),
                    qtyAllocated: Decimal($0.initialStock % 4), taxCode: $0.sageTaxCode, publish: $0.publish)
            }
            products.append(SageProduct(sku: "NEG001", qtyInStock: -3, qtyAllocated: 0))
            products.append(SageProduct(sku: "OVER001", qtyInStock: 2, qtyAllocated: 5))
            products.append(SageProduct(sku: "HALF001", qtyInStock: d("2.5"), qtyAllocated: 0))
            products.append(SageProduct(sku: "GONE001", qtyInStock: 9, inactiveDate: "2020-01-01T00:00:00"))
            let writer = try XMLStreamWriter(url: input)
            try writer.startElement("Company")
            try writer.startElement("Products")
            for product in products { try writer.write(product.element) }
            try writer.endElement()
            try writer.endElement()
            try writer.finish()
            var settings = StockMappingSettings()
            settings.stockBasis = basis
            settings.publishedOnly = publishedOnly
            settings.negativeStock = negative
            let native = dir.appendingPathComponent("native.xml")
            let now = Date()
            _ = try StockFileMapper(settings: settings, logger: quietLogger).map(
                input: input, output: { native }, today: now)
            let xslt = dir.appendingPathComponent("xslt.xml")
            try XSLTTransformer(stylesheet: stylesheets.appendingPathComponent("sage-products-to-magento-inventory.xsl"))
                .transform(
                    input: input, output: xslt,
                    parameters: [
                        "stockBasis": basis, "publishedOnly": publishedOnly ? "true" : "false",
                        "negativeStock": negative,
                        "today": String(OrderMapper.sageDateText(now, timeZone: .gmt).prefix(10)),
                    ])
            let path = ["ArrayOfInventory", "Inventory"]
            let expected = try records(native, path).map(normalized)
            #expect(expected.count > 20)
            #expect(try records(xslt, path).map(normalized) == expected)
        }
    }
}

import FerryTestSupport
import FerryValues
import FerryXML
import Foundation
import MagentoConnector
import MagentoSandbox
import SageSide
import Testing

/// The reference order stylesheet writes, byte for byte, every sales order the native mapping sends, on the orders
/// the sandbox's Magento tax model prices under every combination of the store's tax settings: net and gross
/// (`VatInclusive`) lines, configurables, fixed-price and dynamic bundles, discounts, EU and rest-of-world
/// destinations, names Sage's code page transliterates. Orders the native mapping refuses (pre-validation) are
/// native only and not compared.
@Suite("The reference XSLT equals the native mapping on the tax model's orders")
struct XSLTSandboxEqualityTests {
    /// Orders per tax-settings combination (96 combinations); `FERRY_XSLT_EQUALITY_ORDERS` raises it for a
    /// larger local run.
    static let ordersPerCombination =
        ProcessInfo.processInfo.environment["FERRY_XSLT_EQUALITY_ORDERS"].flatMap { Int($0) } ?? 6

    /// The shipped settings, and the reference workflow's extra EU rates (config.json), given to the stylesheet
    /// as its `rateCodes` parameter.
    static let variants: [(settings: OrderMappingSettings, rateCodes: String)] = {
        var extra = OrderMappingSettings()
        let codes: [(String, String, Decimal)] = [
            ("IE:23", "T10", 23), ("IE:13.5", "T11", d("13.5")), ("DE:19", "T12", 19), ("DE:7", "T13", 7),
            ("FR:5.5", "T14", d("5.5")),
        ]
        for (key, code, rate) in codes {
            extra.taxCodes[key] = code
            extra.taxRates[code] = rate
        }
        let shipped = " 0=T0 5=T5 20=T1 "
        return [
            (OrderMappingSettings(), shipped),
            (extra, shipped + codes.map { "\($0.0)=\($0.1) " }.joined()),
        ]
    }()

    @Test(arguments: [0, 1])
    func everySentOrderIsByteIdentical(variant: Int) async throws {
        let (settings, rateCodes) = Self.variants[variant]
        try await withTemporaryDirectory { dir in
            let generator = SandboxCartGenerator(catalogue: SandboxData.catalogue(seed: 18), oddProducts: true)
            var orders: [MagentoConnector.MagentoOrder] = []
            for (index, store) in MagentoTaxSettings.all.enumerated() {
                for n in 1...Self.ordersPerCombination {
                    let id = index * 10_000 + n
                    let (cart, customer) = generator.cart(seed: 18 &+ UInt64(index), entityID: id)
                    let json = cart.magentoOrder(
                        settings: store, customer: customer, entityID: id,
                        createdAt: n % 2 == 0 ? "2025-06-30 23:30:00" : "2025-01-31 23:30:00")
                    orders.append(MagentoConnector.MagentoOrder(json: .object(json)))
                }
            }
            let input = dir.appendingPathComponent("orders.xml")
            try OrderXMLWriter.write(orders, to: input)
            let native = dir.appendingPathComponent("native.xml")
            _ = try OrderFileMapper(settings: settings, logger: quietLogger).map(
                input: input, output: { native }, fail: { dir.appendingPathComponent("fail.xml") }, sent: nil,
                lookup: nil)
            let xslt = dir.appendingPathComponent("xslt.xml")
            try XSLTTransformer(stylesheet: stylesheets.appendingPathComponent("magento-orders-to-sage-orders.xsl"))
                .transform(input: input, output: xslt, parameters: ["rateCodes": rateCodes])

            let expected = try Self.salesOrderTexts(native)
            let actual = try Self.salesOrderTexts(xslt)
            let differing = expected.filter { actual[$0.key] != $0.value }.map(\.key).sorted()
            #expect(differing.isEmpty, "\(differing.count) of \(expected.count) sent orders differ, e.g. \(differing.prefix(5))")
            // The run covered what the stylesheet has to get right, not only the easy orders.
            let sent = expected.values
            #expect(expected.count >= orders.count / 3, "only \(expected.count) of \(orders.count) orders sent")
            #expect(sent.contains { $0.contains("<VatInclusive>true</VatInclusive>") })
            #expect(sent.contains { !$0.contains("<VatInclusive>") })
            #expect(sent.contains { $0.contains("<UnitDiscountAmount>") })
            #expect(sent.contains { $0.contains("<Sku>BUNDLE-OFFICE-STARTER</Sku>") }, "no fixed-price bundle sent as the bundle line")
            print("XSLT equality, variant \(variant): \(expected.count) of \(orders.count) orders sent, all identical")
        }
    }

    /// Each `SalesOrder` element's text as written (both writers indent by two spaces), by its `Id`.
    static func salesOrderTexts(_ url: URL) throws -> [String: String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var result: [String: String] = [:]
        for block in text.components(separatedBy: "<SalesOrder>").dropFirst() {
            let body = block.components(separatedBy: "</SalesOrder>")[0]
            guard let start = body.range(of: "<Id>"), let end = body.range(of: "</Id>") else { continue }
            result[String(body[start.upperBound..<end.lowerBound])] = body
        }
        return result
    }
}

import FerryValues
public import Foundation
import FerryXML
import Logging
import MagentoConnector
import MagentoSandbox
import SageSide

/// The property check of the money (issue 12): orders priced by the sandbox's Magento tax model under every
/// combination of the store's tax settings go through the download's XML and the Sage mapping; each one must
/// reach Sage with a total (as ``SageDocumentTotal`` computes it) and a payment equal to Magento's `grand_total`,
/// or be refused for a reason true of its data. Anything else is a failure, printed with its seed and order.
public struct MoneyCheck: Sendable {
    /// What a run found.
    public struct Report: Sendable, CustomStringConvertible {
        public var orders = 0
        /// Sent to Sage and reconciled exactly, with net lines and with gross (`VatInclusive`) lines.
        public var sentNet = 0
        public var sentGross = 0
        /// Refused, by reason.
        public var refused: [String: Int] = [:]
        /// Mismatches and unexplained refusals: the seed, the settings and the order.
        public var failures: [String] = []

        public var description: String {
            let refusedCount = refused.values.reduce(0, +)
            var lines = [
                "orders \(orders): sent \(sentNet + sentGross) (net lines \(sentNet), VatInclusive \(sentGross)), "
                    + "refused \(refusedCount), failures \(failures.count)"
            ]
            for (reason, count) in refused.sorted(by: { $0.value > $1.value }) {
                lines.append("  refused \(count): \(reason)")
            }
            lines += failures.prefix(20).map { "  FAILURE \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    /// The seed of the first combination; combination `n` uses `seed + n`.
    public var seed: UInt64

    /// Creates a check.
    public init(seed: UInt64 = 12) { self.seed = seed }

    /// The Sage mapping's settings for combination `index`: every rate of the generator mapped (three in four),
    /// or the shipped defaults (Irish, German and French reduced rates are refused there).
    public static func mappingSettings(_ index: Int) -> OrderMappingSettings {
        var settings = OrderMappingSettings()
        settings.longFields = "truncate"
        guard index % 4 != 3 else { return settings }
        let extra: [(String, String, Decimal)] = [
            ("IE:23", "T10", 23), ("IE:13.5", "T11", Decimal(string: "13.5")!), ("DE:19", "T12", 19),
            ("DE:7", "T13", 7), ("FR:5.5", "T14", Decimal(string: "5.5")!),
        ]
        for (key, code, rate) in extra {
            settings.taxCodes[key] = code
            settings.taxRates[code] = rate
        }
        return settings
    }

    /// Checks `orders` orders spread over every combination of ``MagentoTaxSettings/all``, in `directory`.
    public func run(orders: Int, in directory: URL) throws -> Report {
        var report = Report()
        let combinations = MagentoTaxSettings.all
        let catalogue = SandboxData.catalogue(seed: seed)
        let generator = SandboxCartGenerator(catalogue: catalogue, oddProducts: true)
        var logger = Logger(label: "ferry.money-check")
        logger.logLevel = .critical
        for (index, store) in combinations.enumerated() {
            let count = orders / combinations.count + (index < orders % combinations.count ? 1 : 0)
            guard count > 0 else { continue }
            let seed = seed &+ UInt64(index)
            var json: [String: JSONValue] = [:]
            var downloaded: [MagentoConnector.MagentoOrder] = []
            for id in 1...count {
                let (cart, customer) = generator.cart(seed: seed, entityID: id)
                let order = cart.magentoOrder(
                    settings: store, customer: customer, entityID: id, createdAt: "2025-06-01 10:00:00")
                json["\(id)"] = .object(order)
                downloaded.append(MagentoConnector.MagentoOrder(json: .object(order)))
            }
            let input = directory.appendingPathComponent("orders-\(index).xml")
            let output = directory.appendingPathComponent("sage-\(index).xml")
            let fail = directory.appendingPathComponent("fail-\(index).xml")
            try OrderXMLWriter.write(downloaded, to: input)
            let settings = Self.mappingSettings(index)
            let summary = try OrderFileMapper(settings: settings, logger: logger).map(
                input: input, output: { output }, fail: { fail }, sent: nil, lookup: nil)
            report.orders += summary.read
            func failure(_ id: String, _ why: String) {
                let order = json[id].map(\.serialized) ?? "(not generated)"
                report.failures.append("seed \(seed) order \(id) [\(store)]: \(why)\n    \(order)")
            }
            var seen = Set<String>()
            for record in try Self.records(output) {
                let sales = try SalesOrder(record: record)
                seen.insert(sales.id)
                let grand = json[sales.id]?["grand_total"]?.decimal ?? -1
                let total = SageDocumentTotal(sales, taxRates: settings.taxRates).total
                if total != grand { failure(sales.id, "Sage total \(total) vs grand_total \(grand)") }
                if (sales.paymentAmount ?? 0) != grand { failure(sales.id, "payment \(sales.paymentAmount ?? 0) vs \(grand)") }
                if sales.vatInclusive == true { report.sentGross += 1 } else { report.sentNet += 1 }
            }
            for record in try Self.records(fail) {
                let id = record.child("Id")?.text ?? ""
                seen.insert(id)
                let reasons = SalesOrder.errors(of: record).map(\.description)
                for reason in reasons {
                    guard let category = Self.category(reason) else {
                        failure(id, "refused for a reason not known to be true of the data: \(reason)")
                        continue
                    }
                    report.refused[category, default: 0] += 1
                }
            }
            for id in json.keys where !seen.contains(id) { failure(id, "neither sent nor refused") }
            for url in [input, output, fail] { try? FileManager.default.removeItem(at: url) }
        }
        return report
    }

    /// The reasons an order may be refused that are true of its data; nil for any other (a failure).
    static func category(_ reason: String) -> String? {
        if reason.contains("has no Sage tax code") { return "a VAT rate with no Sage tax code" }
        if reason.contains("/Sku:") { return "a SKU Sage 50 cannot hold as a stock code" }
        if reason.contains("fractions of a penny") { return "Magento's row has fractions of a penny" }
        if reason.contains("no unit price to 4 places") { return "a decimal quantity no 4-place unit price carries" }
        return nil
    }

    static func records(_ url: URL) throws -> [XMLNode] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        var result: [XMLNode] = []
        try XMLRecordReader(url: url).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { result.append($0) }
        return result
    }
}

import FerryState
import FerryXML
public import Foundation
public import Logging

/// What mapping one Magento order file did.
public struct OrderFileSummary: Sendable, Hashable {
    /// Records read.
    public var read = 0
    /// Orders written to the Sage outbox.
    public var sent = 0
    /// Orders written to the fail output (pre-validation or unreadable).
    public var failed = 0
    /// Orders skipped because the ledger already has them with the same content.
    public var duplicates = 0
    /// Orders skipped because the ledger has them with different content (reported, not re-imported).
    public var changed = 0
    /// Orders sent with truncated fields (`longFields: truncate`).
    public var truncated = 0
    /// The orders counted in `failed`, with their reasons, for ``OrderRefusals``.
    public var refusals: [OrderRefusal] = []
}

/// Mapping 1 over a whole file: streams `ArrayOfOrderInfo/OrderInfo` records one at a time into
/// `Company/SalesOrders/SalesOrder` records, so memory stays flat whatever the file's size. An order whose customer
/// has a VAT number also gets a `Company/Customers/Customer` record (``SageCustomer``, ``CustomerSpool``).
///
/// One bad order goes to the fail output with Zynk `<Errors>` and the others go on. Orders the ledger already has
/// are skipped. The orders sent are listed in a ``SentOrders``, which the caller loads into the ledger in the
/// transaction that publishes the output.
public struct OrderFileMapper: Sendable {
    /// The mapping settings.
    public let settings: OrderMappingSettings
    private let mapper: OrderMapper
    private let validator: PreValidator
    private let logger: Logger

    /// Creates a file mapper.
    public init(settings: OrderMappingSettings, logger: Logger) {
        let mapper = OrderMapper(settings: settings)
        self.settings = settings
        self.mapper = mapper
        self.validator = PreValidator(settings: settings, mapper: mapper)
        self.logger = logger
    }

    /// Maps `input`.
    ///
    /// - Parameters:
    ///   - output: called once, on the first order to send; returns where to write the Sage orders.
    ///   - fail: called once, on the first failed order; nil means failures are only logged and counted.
    ///   - sent: where to list the orders sent, for the ledger; nil for a mapping without one.
    ///   - lookup: the ledger's decisions for a batch of orders (entity id, hash; at most ``lookupBatch``), in
    ///     their order; nil disables duplicate checks.
    ///   - onRecord: called after each record (tests observe the streaming through it).
    ///   - logger: where this file's messages go, when not to the mapper's own logger. A stage builds one mapper
    ///     (time zones, calendars, tax tables) and gives each file its own logger here: a copy of the mapper per
    ///     file, to set its logger, retained every setting (about 1 % of a burst's instructions, #18).
    /// - Throws: ``FerryXML/XMLError`` when the file itself is not a readable Magento order file.
    public func map(
        input: URL, output: () throws -> URL, fail: (() throws -> URL)?, sent: SentOrders?,
        lookup: (([(externalId: String, hash: String)]) throws -> [LedgerDecision])?,
        onRecord: (OrderFileSummary) -> Void = { _ in }, logger: Logger? = nil
    ) throws -> OrderFileSummary {
        let logger = logger ?? self.logger
        var summary = OrderFileSummary()
        var out: XMLStreamWriter?
        var failWriter: XMLStreamWriter?
        var customers: CustomerSpool?
        var seen = Set<String>()
        // The date of a fail record's errors: made only when an order fails. A time zone and a calendar made
        // for every file took about 0.05 ms of a lone file's 2.6 ms.
        lazy var now = OrderMapper.sageDateText(Date(), timeZone: TimeZone(identifier: settings.timezone) ?? .gmt)

        func writeFailure(_ order: SalesOrder, _ errors: [ZynkError]) throws {
            summary.failed += 1
            summary.refusals.append(OrderRefusal(
                externalId: order.id, externalRef: order.customerOrderNumber,
                reason: errors.map(\.description).joined(separator: "; ")))
            guard let fail else { return }
            if failWriter == nil { failWriter = try Self.openCompany(try fail()) }
            if var sink = failWriter.map(WriterSink.init) { try order.emit(into: &sink, errors: errors) }
        }

        // Orders that passed, waiting for their ledger look-up: one look-up per batch, not per order.
        var pending: [Pending] = []
        func flush() throws {
            guard !pending.isEmpty else { return }
            defer { pending.removeAll(keepingCapacity: true) }
            let decisions = try lookup?(pending.map { ($0.order.id, $0.hash) }) ?? []
            for (index, next) in pending.enumerated() {
                let meta: Logger.Metadata = ["ferry.order": "\(next.incrementId)"]
                switch decisions.isEmpty ? .new : decisions[index] {
                case .duplicate(let entry):
                    summary.duplicates += 1
                    let state = entry.internalId.map { "Sage order \($0)" } ?? "awaiting Sage"
                    logger.info("order already sent to Sage (\(state)); skipped", metadata: meta)
                    continue
                case .changed(let entry):
                    summary.changed += 1
                    let message =
                        "order changed in Magento after it was sent to Sage on \(entry.created); not re-imported. "
                        + "Amend the Sage order by hand (`ferry ledger show \(next.incrementId)`)"
                    logger.warning("\(message)", metadata: meta)
                    continue
                case .new:
                    break
                }
                if !next.truncations.isEmpty {
                    summary.truncated += 1
                    logger.warning(
                        "order sent with truncated fields: \(next.truncations.joined(separator: ", "))", metadata: meta)
                }
                if out == nil { out = try Self.openCompany(try output()) }
                if var sink = out.map(WriterSink.init) { try next.order.emit(into: &sink) }
                if let customer = SageCustomer(order: next.order, vatNumber: next.vatNumber) {
                    if customers == nil { customers = try CustomerSpool() }
                    try customers?.add(customer)
                }
                try sent?.add(externalId: next.order.id, externalRef: next.incrementId, hash: next.hash)
                summary.sent += 1
            }
        }

        let reader = try XMLRecordReader(url: input)
        try reader.forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { record in
            summary.read += 1
            defer { onRecord(summary) }
            let magento: MagentoOrder
            let mapped: MappedOrder
            do {
                magento = try MagentoOrder(record: record)
                mapped = try mapper.map(magento)
            } catch {
                let id = record.value("order_id") ?? ""
                let increment = record.value("increment_id")
                logger.error(
                    "order cannot be mapped: \(error)",
                    metadata: ["ferry.order": "\(increment ?? id)", "ferry.file": "\(input.lastPathComponent)"])
                try writeFailure(
                    SalesOrder(id: id, customerOrderNumber: increment),
                    [ZynkError(name: "Validation", description: "\(error)", date: now)])
                return
            }
            let outcome = validator.validate(mapped)
            let order = outcome.order
            let meta: Logger.Metadata = ["ferry.order": "\(magento.incrementId)"]
            guard outcome.passed else {
                logger.warning(
                    "order fails Sage 50 pre-validation: \(outcome.violations.map(\.description).joined(separator: "; "))",
                    metadata: meta)
                try writeFailure(
                    mapped.salesOrder,
                    outcome.violations.map { ZynkError(name: "Pre-validation", description: $0.description, date: now) })
                return
            }
            // The hash is for the ledger only (the bench and ledger-less stages have none).
            let hash = lookup != nil || sent != nil ? order.contentHash : ""
            guard seen.insert(order.id).inserted else {
                summary.duplicates += 1
                logger.info("order appears twice in the file; sent once", metadata: meta)
                return
            }
            pending.append(
                Pending(
                    order: order, incrementId: magento.incrementId, hash: hash, truncations: outcome.truncations,
                    vatNumber: mapped.vatNumber))
            if pending.count == Self.lookupBatch { try flush() }
        }
        try flush()
        try Self.closeCompany(out)
        if let customers, let out { try customers.merge(into: out.url) }
        try Self.closeCompany(failWriter)
        return summary
    }

    /// Orders looked up in the ledger at once: bounded, so memory stays flat whatever the file's size.
    static let lookupBatch = 256

    /// An order that passed pre-validation, waiting for its ledger look-up.
    private struct Pending {
        var order: SalesOrder
        var incrementId: String
        var hash: String
        var truncations: [String]
        var vatNumber: String?
    }

    /// Opens `<Company><SalesOrders>`.
    static func openCompany(_ url: URL) throws -> XMLStreamWriter {
        let writer = try XMLStreamWriter(url: url)
        try writer.startElement("Company")
        try writer.startElement("SalesOrders")
        return writer
    }

    static func closeCompany(_ writer: XMLStreamWriter?) throws {
        guard let writer else { return }
        try writer.endElement()
        try writer.endElement()
        try writer.finish()
    }
}

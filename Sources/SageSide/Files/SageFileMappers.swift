import FerryState
import FerryXML
public import Foundation
public import Logging

/// Mapping 2 over a success file: `Company/SalesOrders/SalesOrder` -> `ArrayOfOrderInfo/OrderInfo` updates.
///
/// Success files are checked, not trusted (``SuccessPlan``): each order is confirmed and updated once, and a
/// record with a bad number, a second number or an order ferry never sent goes to the fail output with the reason.
public struct SuccessFileMapper: Sendable {
    /// The settings.
    public let settings: SuccessMappingSettings
    private let logger: Logger

    /// Creates a file mapper.
    public init(settings: SuccessMappingSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// What one success file gave.
    public struct Summary: Sendable {
        /// Magento updates written.
        public var updated = 0
        /// Confirmed orders with no increment id to find the Magento order by (no update).
        public var skipped = 0
        /// The plan: orders confirmed for the first time (record them in the ledger), repeats, rejections.
        public var plan = SuccessPlan()
    }

    /// Reads a success (or fail) file's `Company/SalesOrders/SalesOrder` records.
    public static func records(in input: URL) throws -> [SageSuccess] {
        var records: [SageSuccess] = []
        try XMLRecordReader(url: input).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { record in
            records.append(SageSuccess(
                id: record.value("Id"), customerOrderNumber: record.value("CustomerOrderNumber"),
                salesOrderNumber: record.value("SalesOrderNumber"), line: record.line))
        }
        return records
    }

    /// Maps `input` into `output` (created on the first update) and `fail` (created on the first rejection).
    ///
    /// - Parameters:
    ///   - fail: the fail output; nil: rejected records are only logged.
    ///   - lookup: the ledger (see ``SuccessPlan/make(_:lookup:)``); nil maps without one.
    public func map(
        input: URL, output: () throws -> URL, fail: (() throws -> URL)? = nil,
        lookup: ((SageSuccess, String) throws -> SageConfirmation)? = nil
    ) throws -> Summary {
        var summary = Summary()
        summary.plan = try SuccessPlan.make(Self.records(in: input), lookup: lookup)
        for rejected in summary.plan.rejected {
            logger.error(
                "success record not acted on: \(rejected.reason)",
                metadata: ["ferry.order": "\(rejected.record.orderName)", "ferry.file": "\(input.lastPathComponent)"])
        }
        var writer: XMLStreamWriter?
        (summary.updated, summary.skipped) = try Self.writeUpdates(
            summary.plan.confirmed, mapper: SuccessMapper(settings: settings), logger: logger
        ) {
            if let writer { return writer }
            let created = try XMLStreamWriter(url: try output())
            try created.startElement("ArrayOfOrderInfo")
            writer = created
            return created
        }
        try writer?.endElement()
        try writer?.finish()
        if let fail, !summary.plan.rejected.isEmpty { try Self.writeRejected(summary.plan.rejected, to: try fail()) }
        return summary
    }

    /// Writes one Magento update per confirmed order into the `ArrayOfOrderInfo` that `writer` opens on first use.
    ///
    /// - Returns: (updates written, orders without an increment id).
    public static func writeUpdates(
        _ confirmed: [ConfirmedSuccess], mapper: SuccessMapper, logger: Logger, writer: () throws -> XMLStreamWriter
    ) throws -> (updated: Int, skipped: Int) {
        var updated = 0
        var skipped = 0
        for order in confirmed {
            guard let update = mapper.map(
                id: order.record.id, customerOrderNumber: order.incrementId, salesOrderNumber: order.number)
            else {
                skipped += 1
                logger.warning(
                    """
                    Sage order \(order.number) (line \(order.record.line)) has no CustomerOrderNumber and the ledger \
                    has no increment id for it: Magento not updated
                    """)
                continue
            }
            try writer().write(update.element)
            updated += 1
        }
        return (updated, skipped)
    }

    /// Writes rejected records as Zynk fail records (`<Errors>` first, then what the record said).
    static func writeRejected(_ rejected: [RejectedSuccess], to url: URL) throws {
        let date = OrderMapper.sageDateText(Date(), timeZone: .gmt)
        let writer = try XMLStreamWriter(url: url)
        try writer.startElement("Company")
        try writer.startElement("SalesOrders")
        for item in rejected {
            var children = [SalesOrder.errorsElement([ZynkError(name: "Success check", description: item.reason, date: date)])]
            if let id = item.record.id { children.append(OutputElement("Id", id)) }
            if let number = item.record.salesOrderNumber { children.append(OutputElement("SalesOrderNumber", number)) }
            if let ref = item.record.customerOrderNumber { children.append(OutputElement("CustomerOrderNumber", ref)) }
            try writer.write(OutputElement("SalesOrder", children: children))
        }
        try writer.endElement()
        try writer.endElement()
        try writer.finish()
    }
}

/// Mapping 3 over a stock export: `Company/Products/Product` -> `ArrayOfInventory/Inventory`, streaming.
public struct StockFileMapper: Sendable {
    /// The settings.
    public let settings: StockMappingSettings
    private let logger: Logger

    /// Creates a file mapper.
    public init(settings: StockMappingSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Maps `input` into `output` (created on the first inventory record).
    ///
    /// - Returns: (records written, products left out, unreadable products).
    public func map(input: URL, output: () throws -> URL, today: Date = Date()) throws
        -> (written: Int, leftOut: Int, unreadable: Int)
    {
        let mapper = StockMapper(settings: settings)
        let day = String(OrderMapper.sageDateText(today, timeZone: .gmt).prefix(10))
        var writer: XMLStreamWriter?
        var written = 0
        var leftOut = 0
        var unreadable = 0
        // Only the fields the mapping reads are built: a product's base64 attachments (Export Attachments: "very
        // large XML output files") stream past.
        try XMLRecordReader(url: input).forEachRecord(path: ["Company", "Products", "Product"], keeping: SageProduct.fields) {
            record in
            let product: SageProduct
            do { product = try SageProduct(record: record) } catch {
                unreadable += 1
                logger.error("stock record left out: \(error)", metadata: ["ferry.file": "\(input.lastPathComponent)"])
                return
            }
            guard let inventory = mapper.map(product, today: day) else {
                leftOut += 1
                return
            }
            if writer == nil {
                writer = try XMLStreamWriter(url: try output())
                try writer?.startElement("ArrayOfInventory")
            }
            try writer?.write(inventory.element)
            written += 1
        }
        try writer?.endElement()
        try writer?.finish()
        return (written, leftOut, unreadable)
    }
}

/// One order of a Sage fail file with its reasons.
public struct FailedOrder: Sendable, Hashable {
    /// `Id` (Magento entity id).
    public var id: String?
    /// `CustomerOrderNumber` (Magento increment id).
    public var customerOrderNumber: String?
    /// The `<Errors>` of the record.
    public var errors: [ZynkError]
    /// The record's line in its file.
    public var line = 0

    /// The reasons on one line.
    public var reason: String {
        errors.isEmpty ? "no reason given by Sage" : errors.map { "\($0.name): \($0.description)" }.joined(separator: "; ")
    }
}

/// Reads a Sage fail file (`Company/SalesOrders/SalesOrder` with `<Errors>` first), streaming.
public enum FailFileReader {
    /// Calls `body` with each failed order.
    public static func forEachFailure(in url: URL, _ body: (FailedOrder) throws -> Void) throws {
        try XMLRecordReader(url: url).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { record in
            try body(
                FailedOrder(
                    id: record.value("Id"), customerOrderNumber: record.value("CustomerOrderNumber"),
                    errors: SalesOrder.errors(of: record), line: record.line))
        }
    }
}

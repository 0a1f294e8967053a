import FerryState
import FerryXML
public import Foundation
public import Logging

/// Mapping 2 over a success file: `Company/SalesOrders/SalesOrder` -> `ArrayOfOrderInfo/OrderInfo` updates,
/// streaming; Sage's order numbers go into the ledger through `onSuccess`.
public struct SuccessFileMapper: Sendable {
    /// The settings.
    public let settings: SuccessMappingSettings
    private let logger: Logger

    /// Creates a file mapper.
    public init(settings: SuccessMappingSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Maps `input` into `output` (created on the first update).
    ///
    /// - Parameter onSuccess: called with (Id, CustomerOrderNumber, SalesOrderNumber) of every record with a
    ///   Sage order number, to fill in the ledger.
    /// - Returns: (updates written, records without a CustomerOrderNumber).
    public func map(
        input: URL, output: () throws -> URL,
        onSuccess: (String?, String?, String) throws -> Void = { _, _, _ in }
    ) throws -> (updated: Int, skipped: Int) {
        let mapper = SuccessMapper(settings: settings)
        var writer: XMLStreamWriter?
        var updated = 0
        var skipped = 0
        try XMLRecordReader(url: input).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { record in
            let id = record.value("Id")
            let increment = record.value("CustomerOrderNumber")
            let number = record.value("SalesOrderNumber")
            if let number { try onSuccess(id, increment, number) }
            guard let update = mapper.map(id: id, customerOrderNumber: increment, salesOrderNumber: number) else {
                skipped += 1
                logger.warning(
                    "success record \(id ?? "?") (line \(record.line)) has no CustomerOrderNumber: Magento not updated")
                return
            }
            if writer == nil {
                writer = try XMLStreamWriter(url: try output())
                try writer?.startElement("ArrayOfOrderInfo")
            }
            try writer?.write(update.element)
            updated += 1
        }
        try writer?.endElement()
        try writer?.finish()
        return (updated, skipped)
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
        try XMLRecordReader(url: input).forEachRecord(path: ["Company", "Products", "Product"]) { record in
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
                    errors: SalesOrder.errors(of: record)))
        }
    }
}

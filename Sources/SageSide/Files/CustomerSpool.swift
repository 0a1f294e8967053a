import FerryXML
import Foundation

/// The customer records of one order file, held on disk until its sales orders are written.
///
/// The schema's `Company` sequence puts `Customers` before `SalesOrders`, but the orders stream out as they are
/// mapped and a customer record is known only with its order. So the records wait in a file of their own, and a
/// file that has any is rewritten at the end as `Company/Customers + SalesOrders`, record by record (memory stays
/// flat). Files without a VAT-numbered customer, nearly all of them, cost nothing.
final class CustomerSpool {
    /// The spool: `<Customers>` in the system's temporary folder (a crash leaves it where the system cleans up).
    private let url: URL
    private let writer: XMLStreamWriter
    /// Records written.
    private(set) var count = 0

    /// Starts a spool.
    /// - Throws: ``FerryXML/XMLWriteError`` when the temporary folder cannot be written.
    init() throws {
        url = Self.temporaryFile("customers")
        writer = try XMLStreamWriter(url: url)
        try writer.startElement("Customers")
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Adds one customer record.
    func add(_ customer: SageCustomer) throws {
        var sink = WriterSink(writer)
        try customer.emit(into: &sink)
        count += 1
    }

    /// Rewrites `orders`, a finished `Company/SalesOrders` file, as `Company/Customers + SalesOrders`.
    /// - Throws: an ``FerryXML/XMLError`` or a write error naming the file.
    func merge(into orders: URL) throws {
        try writer.endElement()
        try writer.finish()
        let merged = Self.temporaryFile("orders")
        defer { try? FileManager.default.removeItem(at: merged) }
        let out = try XMLStreamWriter(url: merged)
        try out.startElement("Company")
        try out.startElement("Customers")
        try XMLRecordReader(url: url).forEachRecord(path: ["Customers", "Customer"]) { try out.write($0) }
        try out.endElement()
        try out.startElement("SalesOrders")
        try XMLRecordReader(url: orders).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) {
            try out.write($0)
        }
        try out.finish()
        // The output is the engine's temporary: it is made durable and published after the task returns.
        if rename(merged.path, orders.path) != 0 {
            guard errno == EXDEV else {
                throw XMLWriteError(file: orders.path, message: "cannot replace the file with its merged copy", errno: errno)
            }
            try FileManager.default.removeItem(at: orders)
            try FileManager.default.copyItem(at: merged, to: orders)
        }
    }

    private static func temporaryFile(_ kind: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ferry-\(kind)-\(UUID().uuidString).xml")
    }
}

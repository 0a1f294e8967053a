import FerryPipeline
import FerryXML
import Logging
public import Foundation
import SageSide

/// Sage 50's "Export Stock Records" as the Windows job runs it, with the seed's four settings
/// (``StockExportSettings``): changes since the last export or everything, published products or all, and each
/// product's attachments embedded in its record, base64, streamed from the files so the output may grow to
/// gigabytes without the simulator holding more than one chunk of it.
extension SageSimulator {
    /// The meta key of the "modified since" watermark (Zynk's "Date Modified", updated each run).
    static let stockWatermarkKey = "last_stock_export"
    /// Bytes of an attachment read, encoded and written at a time (a multiple of 3: the chunks' base64 joins up).
    static let attachmentChunk = 3 * 64 * 1024

    /// Exports stock records into the stock folder as ``SageSimulatorSettings/stockExport`` says.
    ///
    /// The watermark moves only once the file is durable: a crash or a failed write before then exports the same
    /// changes again next time (at least once; stock levels may safely arrive twice), never loses them.
    ///
    /// - Parameter all: overrides ``StockExportSettings/exportAll`` for this export (on demand).
    /// - Returns: the file written, or nil when no product changed.
    /// - Throws: ``SimulatorError`` naming the file or attachment, or a database error.
    public func exportStock(all: Bool? = nil) async throws -> URL? {
        let export = settings.stockExport
        // Taken before the read: a product changed while the file is written is stamped no earlier than this,
        // so the next export (modified >= watermark) takes it.
        let started = SageCompany.stamp(Date())
        let since = (all ?? export.exportAll) ? nil : try company.meta(Self.stockWatermarkKey)
        let products = try company.products(modifiedSince: since, publishedOnly: export.exportPublished)
        var written: URL?
        if products.isEmpty {
            logger.debug("sage-sim: no stock changes to export")
        } else {
            let name = "sage-stock-\(started.filter { $0.isNumber }).xml"
            try await publish(into: settings.stockFolder, name: name) { writer in
                try writer.startElement("Company")
                try writer.startElement("Products")
                for product in products { try Self.write(product, export: export, to: writer) }
                try writer.endElement()
                try writer.endElement()
            }
            logger.info("sage-sim: exported \(products.count) stock records to \(name)")
            written = settings.stockFolder.appendingPathComponent(name)
        }
        try company.setMeta(Self.stockWatermarkKey, started)
        return written
    }

    /// One `<Product>`, with `<Attachments>` where Zynk puts it (before DateModified) when asked for.
    static func write(_ product: SageProduct, export: StockExportSettings, to writer: XMLStreamWriter) throws {
        let element = product.element
        try writer.startElement(element.name)
        var attached = !export.exportAttachments
        for child in element.children {
            if !attached, child.name == "DateModified" {
                try writeAttachments(of: product.sku, export: export, to: writer)
                attached = true
            }
            try writer.write(child)
        }
        if !attached { try writeAttachments(of: product.sku, export: export, to: writer) }
        try writer.endElement()
    }

    /// `<Attachments><Attachment><Name>..</Name><File>base64</File></Attachment>...</Attachments>` for the files
    /// of `sku` matching the search pattern, in name order.
    static func writeAttachments(of sku: String, export: StockExportSettings, to writer: XMLStreamWriter) throws {
        try writer.startElement("Attachments")
        for file in attachments(of: sku, export: export) {
            try writer.startElement("Attachment")
            try writer.element("Name", file.lastPathComponent)
            try writer.startElement("File")
            let handle: FileHandle
            do { handle = try FileHandle(forReadingFrom: file) } catch {
                throw SimulatorError("cannot read the attachment \(file.path) of \(sku): \(error). Check its permissions")
            }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: attachmentChunk), !chunk.isEmpty {
                try writer.text(chunk.base64EncodedString())
            }
            try writer.endElement()
            try writer.endElement()
        }
        try writer.endElement()
    }

    /// The regular files in `<attachmentsFolder>/<sku>/` whose names match the pattern, sorted by name.
    static func attachments(of sku: String, export: StockExportSettings) -> [URL] {
        guard let root = export.attachmentsFolder else { return [] }
        let folder = root.appendingPathComponent(sku.replacingOccurrences(of: "/", with: "_"), isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter(export.attachmentSearchPattern.matches).map { folder.appendingPathComponent($0) }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }
}

import FerryPipeline
import FerryTestSupport
import FerryXML
import Foundation
import SageSide
import Testing

/// map-stock over a Sage stock export of some 200 MB, nearly all of it base64 attachments and images (Export
/// Attachments on), one of them past libxml2's 10 MB text-node cap: every stock level comes out right.
@Suite("Mapping a large stock export with attachments")
struct LargeStockExportTests {
    static let productCount = 300
    /// Raw bytes of each product's attachment (base64: 4/3 of it in the file).
    static let attachmentBytes = 512 * 1024

    struct Expected: Equatable {
        var sku: String
        var qty: String
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["FERRY_SKIP_LARGE"] == nil))
    func everyStockLevelComesThroughTheAttachments() async throws {
        try await withTemporaryDirectory { dir in
            let input = dir.appendingPathComponent("sage-stock.xml")
            let expected = try Self.writeExport(to: input)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int)
            #expect(size > 200 * 1_000_000)
            let output = dir.appendingPathComponent("inventory.xml")
            // Seconds of synchronous work: off the cooperative pool, as the task runs it.
            let result = try await offload {
                try StockFileMapper(settings: StockMappingSettings(), logger: quietLogger).map(input: input, output: { output })
            }
            #expect(result.unreadable == 0)
            #expect(result.written == expected.count)
            #expect(result.leftOut == Self.productCount + 1 - expected.count)
            let inventory = try records(output, ["ArrayOfInventory", "Inventory"]).map {
                Expected(sku: $0.string("sku") ?? "", qty: $0.string("qty") ?? "")
            }
            #expect(inventory == expected)
        }
    }

    /// Writes the export as Zynk does (the fields in schema order, `<Attachments>` and `<Image>` base64) and
    /// returns the inventory records map-stock must write: published products' free stock, negatives as 0.
    static func writeExport(to url: URL) throws -> [Expected] {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        let attachment = Data((0..<attachmentBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).base64EncodedData()
        try handle.write(contentsOf: Data("<?xml version=\"1.0\"?>\n<Company xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n<Products>\n".utf8))
        var expected: [Expected] = []
        for index in 0...productCount {
            let sku = String(format: "P%05d", index)
            let inStock = index % 50
            let allocated = index % 7
            let published = index % 10 != 3
            // Product 0 carries an attachment of 16 MB of base64, over libxml2's cap for one text node.
            let copies = index == 0 ? 24 : 1
            var head = "<Product><UniqueId>\(sku)</UniqueId><Sku>\(sku)</Sku><Name>Product \(index) &amp; co</Name>"
            head += "<SalePrice>\(index).99</SalePrice><QtyInStock>\(inStock)</QtyInStock><QtyOnOrder>0</QtyOnOrder>"
            head += "<TaxCode>1</TaxCode><Publish>\(published)</Publish><QtyAllocated>\(allocated)</QtyAllocated>"
            head += "<Image>\(String(decoding: attachment.prefix(4096), as: UTF8.self))</Image><ImageName>\(sku).jpg</ImageName>"
            head += "<Attachments><Attachment><Name>\(sku) spec.pdf</Name><File>"
            try handle.write(contentsOf: Data(head.utf8))
            for _ in 0..<copies { try handle.write(contentsOf: attachment) }
            var tail = "</File></Attachment></Attachments><DateModified xsi:nil=\"true\" /><InactiveDate xsi:nil=\"true\" />"
            tail += "<Locations><Location><Name>Main</Name><QtyInStock>99</QtyInStock></Location></Locations>"
            tail += "<ItemType>Stock</ItemType><CustomFields /></Product>\n"
            try handle.write(contentsOf: Data(tail.utf8))
            if published { expected.append(Expected(sku: sku, qty: "\(max(0, inStock - allocated))")) }
        }
        try handle.write(contentsOf: Data("</Products>\n</Company>\n".utf8))
        return expected
    }
}

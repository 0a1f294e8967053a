import FerryTestSupport
import Foundation
import Testing

@testable import FerryXML

/// `forEachRecord(path:keeping:)`: the record's other children stream past unbuilt, with the text reader's
/// results and protections for what is kept.
@Suite struct XMLRecordReaderKeepingTests {
    static let products = """
        <?xml version="1.0"?>
        <!DOCTYPE Company [<!ENTITY shop "Ferry &amp; Sons">]>
        <Company>
          <Products>
            <Product Action="Upsert &amp; more"><Sku>A1</Sku><Name>&shop; <![CDATA[<desk>]]></Name>
              <Attachments><Attachment><Name>a.pdf</Name><File>QUJD</File></Attachment></Attachments>
              <Locations><Location><Name>&shop;</Name></Location></Locations>
              <QtyInStock>5</QtyInStock><Image>QUJD</Image><Empty/>
            </Product>
            <Product><Sku>B2</Sku><Attachments/></Product>
          </Products>
          <Customers><Product><Sku>not a record</Sku></Product></Customers>
        </Company>
        """

    func read(_ file: URL, keeping fields: Set<String>? = nil) throws -> [XMLNode] {
        var records: [XMLNode] = []
        let reader = try XMLRecordReader(url: file)
        let path = ["Company", "Products", "Product"]
        if let fields {
            try reader.forEachRecord(path: path, keeping: fields) { records.append($0) }
        } else {
            try reader.forEachRecord(path: path) { records.append($0) }
        }
        return records
    }

    @Test func buildsWhatTheTextReaderBuildsForTheKeptFields() throws {
        try withTemporaryDirectory { dir in
            let file = try dir.writing("products.xml", Self.products)
            let fields: Set<String> = ["Sku", "Name", "QtyInStock", "Locations", "Empty"]
            var expected = try read(file)
            for index in expected.indices { expected[index].children.removeAll { !fields.contains($0.name) } }
            let kept = try read(file, keeping: fields)
            #expect(kept == expected)
            #expect(kept.first?.string("Name") == "Ferry & Sons <desk>")
            #expect(kept.first?.attribute("Action") == "Upsert & more")
            #expect(kept.first?.child("Locations")?.child("Location")?.string("Name") == "Ferry & Sons")
            #expect(kept.map(\.line) == [5, 10])
        }
    }

    /// A base64 attachment over libxml2's 10 MB text node cap: the text reader must build it and cannot; kept
    /// out, it streams past.
    @Test func passesOverATextNodeTooLargeToBuild() throws {
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("huge.xml")
            #expect(FileManager.default.createFile(atPath: file.path, contents: nil))
            let handle = try FileHandle(forWritingTo: file)
            try handle.write(contentsOf: Data("<Company><Products><Product><Sku>BIG</Sku><Attachments><Attachment><File>".utf8))
            let block = Data(String(repeating: "QUJD", count: 256 * 1024).utf8)
            for _ in 0..<12 { try handle.write(contentsOf: block) }
            try handle.write(contentsOf: Data("</File></Attachment></Attachments><QtyInStock>3</QtyInStock></Product></Products></Company>".utf8))
            try handle.close()
            #expect(throws: XMLError.self) { _ = try read(file) }
            let kept = try read(file, keeping: ["Sku", "QtyInStock"])
            #expect(kept.map { $0.children.map(\.text) } == [["BIG", "3"]])
        }
    }

    @Test(arguments: XMLRecordReaderTests.hostile.map(\.0))
    func refusesHostileDocuments(name: String) throws {
        let text = try #require(XMLRecordReaderTests.hostile.first { $0.0 == name }?.1)
        try withTemporaryDirectory { dir in
            let file = try dir.writing("\(name).xml", text)
            var leaked = ""
            #expect(throws: XMLError.self) {
                try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"], keeping: ["a"]) {
                    leaked += $0.string("a") ?? ""
                }
            }
            #expect(!leaked.contains("root:"))
        }
    }

    @Test func refusesHostileEntitiesInFieldsItDoesNotKeep() throws {
        try withTemporaryDirectory { dir in
            let bomb = try #require(XMLRecordReaderTests.hostile.first { $0.0 == "quadratic" }?.1)
            let file = try dir.writing("bomb.xml", bomb)
            #expect(throws: XMLError.self) {
                try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"], keeping: ["b"]) { _ in }
            }
        }
    }

    @Test func namesTheWrongRootAndTheLineOfMalformedXML() throws {
        try withTemporaryDirectory { dir in
            let wrong = try dir.writing("x.xml", "<ArrayOfOrderInfo/>")
            let root = #expect(throws: XMLError.self) { _ = try read(wrong, keeping: ["Sku"]) }
            #expect(root?.message.contains("expected <Company>") == true)
            let bad = try dir.writing("bad.xml", "<Company>\n<Products>\n<Product><Sku></b>\n</Product></Products></Company>")
            let malformed = #expect(throws: XMLError.self) { _ = try read(bad, keeping: ["Sku"]) }
            #expect(malformed?.line == 3)
            let empty = try dir.writing("empty.xml", "")
            #expect(throws: XMLError.self) { _ = try read(empty, keeping: ["Sku"]) }
        }
    }

    struct Stop: Error {}

    @Test func anErrorFromTheBodyStopsTheReading() throws {
        try withTemporaryDirectory { dir in
            let file = try dir.writing("products.xml", Self.products)
            var calls = 0
            #expect(throws: Stop.self) {
                try XMLRecordReader(url: file).forEachRecord(path: ["Company", "Products", "Product"], keeping: ["Sku"]) { _ in
                    calls += 1
                    throw Stop()
                }
            }
            #expect(calls == 1)
        }
    }
}

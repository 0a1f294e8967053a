import FerryTestSupport
import Foundation
import Testing

@testable import FerryXML

@Suite struct XMLStreamWriterTests {
    @Test func roundTripsRecordsWithEscapingAndControlCharacters() throws {
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("out.xml")
            let writer = try XMLStreamWriter(url: file)
            try writer.startElement("Company")
            try writer.startElement("SalesOrders")
            let record = XMLNode(name: "SalesOrder", attributes: [.init(name: "k", value: "a\"b")], children: [
                XMLNode(name: "Id", text: "7"), XMLNode(name: "Notes1", text: "<fish> & chips\u{1}\u{7}!"),
            ])
            try writer.write(record)
            try writer.element("Empty", ifPresent: "")
            try writer.finish()
            var read: [XMLNode] = []
            try XMLRecordReader(url: file).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { read.append($0) }
            #expect(read.count == 1)
            #expect(read[0].string("Notes1") == "<fish> & chips!")
            #expect(read[0].attribute("k") == "a\"b")
            #expect(!(try String(contentsOf: file, encoding: .utf8)).contains("<Empty"))
        }
    }
}

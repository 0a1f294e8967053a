import FerryTestSupport
import Foundation
import Testing

@testable import FerryXML

@Suite struct XMLRecordReaderTests {
    @Test func readsRecordsOneByOne() throws {
        try withTemporaryDirectory { dir in
            let file = try dir.writing("orders.xml", """
                <?xml version="1.0"?>
                <ArrayOfOrderInfo>
                  <OrderInfo><increment_id>1</increment_id><items><OrderProduct><sku>A &amp; B</sku></OrderProduct></items></OrderInfo>
                  <OrderInfo><increment_id>2</increment_id><customer_email><![CDATA[x@y.z]]></customer_email></OrderInfo>
                  <OrderInfo/>
                </ArrayOfOrderInfo>
                """)
            var seen: [XMLNode] = []
            try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { seen.append($0) }
            #expect(seen.count == 3)
            #expect(seen[0].string("increment_id") == "1")
            #expect(seen[0].child("items")?.child("OrderProduct")?.string("sku") == "A & B")
            #expect(seen[1].string("customer_email") == "x@y.z")
            #expect(seen[1].line == 4)
        }
    }

    @Test func readsNestedRecordPathsAndAdjacentRecords() throws {
        try withTemporaryDirectory { dir in
            let file = try dir.writing("so.xml", "<Company><SalesOrders><SalesOrder><Id>1</Id></SalesOrder><SalesOrder><Id>2</Id></SalesOrder></SalesOrders><Products><SalesOrder><Id>X</Id></SalesOrder></Products></Company>")
            var ids: [String] = []
            try XMLRecordReader(url: file).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { ids.append($0.string("Id") ?? "") }
            #expect(ids == ["1", "2"])
        }
    }

    @Test func rejectsTheWrongRoot() throws {
        try withTemporaryDirectory { dir in
            let file = try dir.writing("x.xml", "<Company/>")
            let error = #expect(throws: XMLError.self) {
                try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { _ in }
            }
            #expect(error?.message.contains("expected <ArrayOfOrderInfo>") == true)
        }
    }

    @Test func reportsLineAndColumnOfMalformedXML() throws {
        try withTemporaryDirectory { dir in
            let file = try dir.writing("bad.xml", "<ArrayOfOrderInfo>\n<OrderInfo>\n<a></b>\n</OrderInfo></ArrayOfOrderInfo>")
            let error = #expect(throws: XMLError.self) {
                try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { _ in }
            }
            #expect(error?.line == 3)
            #expect(error?.column ?? 0 > 0)
        }
    }

    static let hostile: [(String, String)] = [
        ("xxe-file", """
            <?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <ArrayOfOrderInfo><OrderInfo><a>&x;</a></OrderInfo></ArrayOfOrderInfo>
            """),
        ("xxe-http", """
            <?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/evil">]>
            <ArrayOfOrderInfo><OrderInfo><a>&x;</a></OrderInfo></ArrayOfOrderInfo>
            """),
        ("external-dtd", """
            <?xml version="1.0"?><!DOCTYPE ArrayOfOrderInfo SYSTEM "http://127.0.0.1:9/x.dtd">
            <ArrayOfOrderInfo><OrderInfo/></ArrayOfOrderInfo>
            """),
        ("parameter-entity", """
            <?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
            <ArrayOfOrderInfo><OrderInfo/></ArrayOfOrderInfo>
            """),
        ("billion-laughs", """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
            <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
            <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
            <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
            <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
            <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
            <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">]>
            <ArrayOfOrderInfo><OrderInfo><a>&lol7;</a></OrderInfo></ArrayOfOrderInfo>
            """),
        ("quadratic", """
            <?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "\(String(repeating: "A", count: 50_000))">]>
            <ArrayOfOrderInfo><OrderInfo><a>\(String(repeating: "&big;", count: 100))</a></OrderInfo></ArrayOfOrderInfo>
            """),
    ]

    @Test(arguments: hostile.map(\.0))
    func refusesHostileDocuments(name: String) throws {
        let text = try #require(Self.hostile.first { $0.0 == name }?.1)
        try withTemporaryDirectory { dir in
            let file = try dir.writing("\(name).xml", text)
            var leaked = ""
            #expect(throws: XMLError.self) {
                try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) {
                    leaked += $0.string("a") ?? ""
                }
            }
            #expect(!leaked.contains("root:"))
            #expect(throws: XMLError.self) { try SecureXMLDocument(url: file) }
        }
    }

    @Test func expandsASmallInternalEntity() throws {
        try withTemporaryDirectory { dir in
            let file = try dir.writing("ok.xml", """
                <?xml version="1.0"?><!DOCTYPE r [<!ENTITY shop "Ferry &amp; Sons">]>
                <ArrayOfOrderInfo><OrderInfo><a>&shop; Ltd</a></OrderInfo></ArrayOfOrderInfo>
                """)
            var text = ""
            try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { text = $0.string("a") ?? "" }
            #expect(text == "Ferry & Sons Ltd")
        }
    }

    @Test func readsUTF16AndLatin1Declared() throws {
        try withTemporaryDirectory { dir in
            let utf16 = dir.appendingPathComponent("u16.xml")
            try #require("<?xml version=\"1.0\" encoding=\"UTF-16\"?><ArrayOfOrderInfo><OrderInfo><a>Zoë</a></OrderInfo></ArrayOfOrderInfo>"
                .data(using: .utf16)).write(to: utf16)
            let latin1 = dir.appendingPathComponent("l1.xml")
            try #require("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><ArrayOfOrderInfo><OrderInfo><a>Zoë</a></OrderInfo></ArrayOfOrderInfo>"
                .data(using: .isoLatin1)).write(to: latin1)
            for file in [utf16, latin1] {
                var text = ""
                try XMLRecordReader(url: file).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { text = $0.string("a") ?? "" }
                #expect(text == "Zoë")
            }
        }
    }
}

import FerryTestSupport
import Foundation
import Testing

@testable import FerryXML

@Suite struct XSLTTransformerTests {
    static let stylesheet = """
        <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
          <xsl:param name="AccountReference" select="'NONE'"/>
          <xsl:output method="xml" indent="yes"/>
          <xsl:template match="/ArrayOfOrderInfo">
            <Company><SalesOrders><xsl:for-each select="OrderInfo">
              <SalesOrder><Id><xsl:value-of select="order_id"/></Id>
              <AccountReference><xsl:value-of select="$AccountReference"/></AccountReference></SalesOrder>
            </xsl:for-each></SalesOrders></Company>
          </xsl:template>
        </xsl:stylesheet>
        """

    @Test func transformsWithQuotedParameters() throws {
        try withTemporaryDirectory { dir in
            let style = try dir.writing("map.xsl", Self.stylesheet)
            let input = try dir.writing("in.xml", "<ArrayOfOrderInfo><OrderInfo><order_id>42</order_id></OrderInfo></ArrayOfOrderInfo>")
            let output = dir.appendingPathComponent("out.xml")
            try XSLTTransformer(stylesheet: style).transform(input: input, output: output, parameters: ["AccountReference": "WEB'S\"ALES"])
            var records: [XMLNode] = []
            try XMLRecordReader(url: output).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { records.append($0) }
            #expect(records.first?.string("Id") == "42")
            #expect(records.first?.string("AccountReference") == "WEB'S\"ALES")
        }
    }

    @Test func reloadsAnEditedStylesheet() throws {
        try withTemporaryDirectory { dir in
            let style = try dir.writing("map.xsl", Self.stylesheet)
            let input = try dir.writing("in.xml", "<ArrayOfOrderInfo><OrderInfo><order_id>1</order_id></OrderInfo></ArrayOfOrderInfo>")
            let output = dir.appendingPathComponent("out.xml")
            let transformer = XSLTTransformer(stylesheet: style)
            try transformer.transform(input: input, output: output)
            _ = try dir.writing("map.xsl", Self.stylesheet.replacingOccurrences(of: "<Company>", with: "<Company><Edited/>"))
            try transformer.transform(input: input, output: output)
            #expect(try String(contentsOf: output, encoding: .utf8).contains("<Edited/>"))
        }
    }

    @Test func forbidsWritingFilesAndReadingOthers() throws {
        try withTemporaryDirectory { dir in
            let escape = dir.appendingPathComponent("escaped.txt")
            let style = try dir.writing("evil.xsl", """
                <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">
                  <xsl:template match="/"><exsl:document href="\(escape.path)"><x/></exsl:document><r/></xsl:template>
                </xsl:stylesheet>
                """)
            let reader = try dir.writing("read.xsl", """
                <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
                  <xsl:template match="/"><r><xsl:copy-of select="document('/etc/hostname')"/></r></xsl:template>
                </xsl:stylesheet>
                """)
            let input = try dir.writing("in.xml", "<a/>")
            #expect(throws: XMLError.self) {
                try XSLTTransformer(stylesheet: style).transform(input: input, output: dir.appendingPathComponent("o.xml"))
            }
            #expect(!FileManager.default.fileExists(atPath: escape.path))
            #expect(throws: XMLError.self) {
                try XSLTTransformer(stylesheet: reader).transform(input: input, output: dir.appendingPathComponent("o2.xml"))
            }
        }
    }

    @Test func reportsABrokenStylesheet() throws {
        try withTemporaryDirectory { dir in
            let style = try dir.writing("broken.xsl", "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:template match=\"/\"><xsl:value-of/></xsl:template></xsl:stylesheet>")
            let error = #expect(throws: XMLError.self) { try XSLTTransformer(stylesheet: style).validate() }
            #expect(error?.file == style.path)
        }
    }
}

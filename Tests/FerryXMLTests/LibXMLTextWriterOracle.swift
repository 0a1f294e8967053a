import CXML
import Foundation

@testable import FerryXML

/// libxml2's own text writer driven the way `XMLStreamWriter` was before it wrote bytes itself (#18): indent on
/// with two spaces, `xmlTextWriterFullEndElement` for elements with text, the same cleaning of forbidden
/// characters. It is the reference `XMLStreamWriter`'s output is compared with, byte for byte.
final class LibXMLTextWriterOracle {
    private let buffer: xmlBufferPtr
    private let writer: xmlTextWriterPtr

    init() {
        buffer = xmlBufferCreate()
        writer = xmlNewTextWriterMemory(buffer, 0)
        xmlTextWriterSetIndent(writer, 1)
        _ = xmlTextWriterSetIndentString(writer, "  ")
        _ = xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil)
    }

    deinit { xmlBufferFree(buffer) }

    func startElement(_ name: String) { _ = xmlTextWriterStartElement(writer, name) }
    func attribute(_ name: String, _ value: String) {
        _ = xmlTextWriterWriteAttribute(writer, name, XMLStreamWriter.clean(value))
    }
    func text(_ text: String) { _ = xmlTextWriterWriteString(writer, XMLStreamWriter.clean(text)) }
    func endElement() { _ = xmlTextWriterEndElement(writer) }
    func element(_ name: String, _ text: String) {
        startElement(name)
        self.text(text)
        _ = xmlTextWriterFullEndElement(writer)
    }
    func write(_ node: XMLNode) {
        startElement(node.name)
        for attribute in node.attributes { self.attribute(attribute.name, attribute.value) }
        if node.children.isEmpty {
            if !node.text.isEmpty { text(node.text) }
            _ = xmlTextWriterFullEndElement(writer)
            return
        }
        for child in node.children { write(child) }
        endElement()
    }

    /// Ends the document and returns every byte written.
    func finish() -> [UInt8] {
        _ = xmlTextWriterEndDocument(writer)
        xmlFreeTextWriter(writer)
        return Array(UnsafeBufferPointer(start: xmlBufferContent(buffer), count: Int(xmlBufferLength(buffer))))
    }
}

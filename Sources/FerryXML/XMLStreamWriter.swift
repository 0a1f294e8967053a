import CXML
public import Foundation

/// Writes an XML file element by element with libxml2's text writer (UTF-8, indented): memory stays flat
/// however many records go through.
///
/// The writer escapes text and drops characters XML 1.0 cannot carry (control characters from a web form),
/// so its output always parses.
public final class XMLStreamWriter {
    /// The file being written.
    public let url: URL
    private let writer: xmlTextWriterPtr
    private var finished = false
    private var closed = false

    /// Creates (or truncates) `url` and writes the XML declaration.
    /// - Throws: ``XMLError`` when the file cannot be created.
    public init(url: URL) throws {
        LibXML.setUp()
        ErrorCollector.silenceGenericErrors()
        self.url = url
        guard let writer = xmlNewTextWriterFilename(url.path, 0) else {
            throw XMLError(file: url.path, message: "cannot create the file (does the folder exist and is it writable?)")
        }
        self.writer = writer
        xmlTextWriterSetIndent(writer, 1)
        "  ".withXMLChars { _ = xmlTextWriterSetIndentString(writer, $0) }
        try check(xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil))
    }

    deinit {
        if !closed { xmlFreeTextWriter(writer) }
    }

    /// Opens an element; close it with ``endElement()``.
    public func startElement(_ name: String) throws {
        try check(name.withXMLChars { xmlTextWriterStartElement(writer, $0) })
    }

    /// Adds an attribute to the element just opened.
    public func attribute(_ name: String, _ value: String) throws {
        try check(name.withXMLChars { n in Self.clean(value).withXMLChars { xmlTextWriterWriteAttribute(writer, n, $0) } })
    }

    /// Writes escaped text inside the current element.
    public func text(_ text: String) throws {
        try check(Self.clean(text).withXMLChars { xmlTextWriterWriteString(writer, $0) })
    }

    /// Closes the innermost open element.
    public func endElement() throws {
        try check(xmlTextWriterEndElement(writer))
    }

    /// Writes `<name>text</name>`.
    public func element(_ name: String, _ text: String) throws {
        try startElement(name)
        try self.text(text)
        try check(xmlTextWriterFullEndElement(writer))
    }

    /// Writes `<name>text</name>` when `text` is non-nil and non-empty (Zynk: leave empty values out).
    public func element(_ name: String, ifPresent text: String?) throws {
        guard let text, !text.isEmpty else { return }
        try element(name, text)
    }

    /// Writes a whole subtree, e.g. an input record echoed into a success or fail file.
    public func write(_ node: XMLNode) throws {
        try startElement(node.name)
        for attribute in node.attributes { try self.attribute(attribute.name, attribute.value) }
        if node.children.isEmpty {
            if !node.text.isEmpty { try text(node.text) }
            try check(xmlTextWriterFullEndElement(writer))
            return
        }
        for child in node.children { try write(child) }
        try endElement()
    }

    /// Closes every open element, ends the document and closes the file.
    /// (Durability is the engine's job: it fsyncs the file before making it visible.)
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try check(xmlTextWriterEndDocument(writer))
        // Freeing the writer closes the file; only then is every byte handed to the kernel.
        xmlFreeTextWriter(writer)
        closed = true
    }

    private func check(_ status: Int32) throws {
        if status < 0 {
            throw XMLError(file: url.path, message: "writing failed (disk full or the file was removed?)")
        }
    }

    /// Removes the characters XML 1.0 forbids (C0 controls other than tab, newline, carriage return; U+FFFE/F).
    static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !isAllowed($0) }) else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.filter(isAllowed))
        return String(scalars)
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}

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
        // Our own descriptor and write(2) callback rather than xmlNewTextWriterFilename: that one writes through
        // stdio, whose last buffered bytes fail only in fclose, which xmlFreeTextWriter ignores; a full disk
        // would then leave a truncated output that looks complete. Here every flush reaches write(2) and its
        // error is seen.
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw XMLWriteError(file: url.path, message: "cannot create the file (does the folder exist and is it writable?)", errno: errno)
        }
        let context = UnsafeMutableRawPointer(bitPattern: Int(fd) + 1)
        let output = xmlOutputBufferCreateIO(
            { context, buffer, length in
                let fd = Int32(Int(bitPattern: context) - 1)
                guard let buffer, length > 0 else { return 0 }
                var offset = 0
                while offset < Int(length) {
                    let written = Glibc.write(fd, buffer + offset, Int(length) - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return -1
                    }
                    offset += written
                }
                return length
            },
            { context in Glibc.close(Int32(Int(bitPattern: context) - 1)) }, context, nil)
        guard let output, let writer = xmlNewTextWriter(output) else {
            if let output { xmlOutputBufferClose(output) } else { close(fd) }
            throw XMLWriteError(file: url.path, message: "cannot start writing the file")
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
        // Flush and check before freeing: the free closes the file and would drop a last failed write (disk full)
        // silently, leaving a truncated output to be published.
        try check(xmlTextWriterFlush(writer))
        // Freeing the writer closes the file; only then is every byte handed to the kernel.
        xmlFreeTextWriter(writer)
        closed = true
    }

    private func check(_ status: Int32) throws {
        if status < 0 {
            throw XMLWriteError(file: url.path, message: "writing failed (disk full or the file was removed?)", errno: errno)
        }
    }

    /// Removes the characters XML 1.0 forbids (C0 controls other than tab, newline, carriage return; U+FFFE/F).
    static func clean(_ text: String) -> String {
        // Byte check first (every text written goes through here): a forbidden scalar is either a C0 control,
        // one byte below 0x20 in UTF-8, or U+FFFE/U+FFFF, which start with 0xEF.
        guard text.utf8.contains(where: { ($0 < 0x20 && $0 != 0x9 && $0 != 0xA && $0 != 0xD) || $0 == 0xEF }),
            text.unicodeScalars.contains(where: { !isAllowed($0) })
        else { return text }
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

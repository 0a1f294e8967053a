import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes an XML file element by element (UTF-8, indented by two spaces): memory stays flat however many records
/// go through.
///
/// The bytes are those libxml2's text writer (`xmlTextWriter`, indent on) wrote here before (#18): the same
/// declaration, indentation, empty elements and escaping, which `XMLStreamWriterTests` checks against libxml2 on
/// random documents. It is written in Swift because going through the text writer was a sixth of an order
/// download's CPU: a C call, a `strlen` and a UTF-8 to UTF-8 conversion for every name and value. Reading XML
/// stays with libxml2.
///
/// The writer escapes text and drops characters XML 1.0 cannot carry (control characters from a web form),
/// so its output always parses.
public final class XMLStreamWriter {
    /// The file being written.
    public let url: URL
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// Open elements, innermost last: the name and whether its start tag is still open (`<name` without `>`).
    private var elements: [(name: String, startTagOpen: Bool)] = []
    /// Whether an end tag goes on its own indented line: not right after text, as libxml2 decides.
    private var indentEndTag = false
    private var finished = false

    /// Bytes kept before they go to `write(2)`.
    private static let flushSize = 64 * 1024

    /// Creates (or truncates) `url` and writes the XML declaration.
    /// - Throws: ``XMLWriteError`` when the file cannot be created.
    public init(url: URL) throws {
        self.url = url
        fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw XMLWriteError(file: url.path, message: "cannot create the file (does the folder exist and is it writable?)", errno: errno)
        }
        buffer.reserveCapacity(Self.flushSize + 4096)
        append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Opens an element; close it with ``endElement()``.
    public func startElement(_ name: String) throws {
        closeStartTag(newline: true)
        elements.append((name, true))
        indent()
        buffer.append(UInt8(ascii: "<"))
        append(name)
        try flushIfFull()
    }

    /// Adds an attribute to the element just opened.
    public func attribute(_ name: String, _ value: String) throws {
        guard elements.last?.startTagOpen == true else {
            throw XMLWriteError(file: url.path, message: "attribute \(name) written outside a start tag (a bug in ferry)")
        }
        buffer.append(UInt8(ascii: " "))
        append(name)
        append("=\"")
        escapeAttribute(Self.clean(value))
        buffer.append(UInt8(ascii: "\""))
        try flushIfFull()
    }

    /// Writes escaped text inside the current element.
    public func text(_ text: String) throws {
        closeStartTag(newline: false)
        indentEndTag = false
        escapeText(Self.clean(text))
        try flushIfFull()
    }

    /// Closes the innermost open element (`<name/>` when it has no content).
    public func endElement() throws {
        guard let element = elements.last else { return }
        if element.startTagOpen {
            append("/>")
        } else {
            if indentEndTag { indent() }
            endTag(element.name)
        }
        indentEndTag = true
        buffer.append(UInt8(ascii: "\n"))
        elements.removeLast()
        try flushIfFull()
    }

    /// Writes `<name>text</name>`.
    public func element(_ name: String, _ text: String) throws {
        try startElement(name)
        try self.text(text)
        try fullEndElement()
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
            try fullEndElement()
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
        while !elements.isEmpty { try endElement() }
        try flush()
        let descriptor = fd
        fd = -1
        guard close(descriptor) == 0 else {
            throw XMLWriteError(file: url.path, message: "writing failed (disk full or the file was removed?)", errno: errno)
        }
    }

    /// Closes the innermost element with an end tag even when it is empty (`<name></name>`).
    private func fullEndElement() throws {
        guard let element = elements.last else { return }
        if element.startTagOpen {
            buffer.append(UInt8(ascii: ">"))
            indentEndTag = false
        }
        if indentEndTag { indent() }
        endTag(element.name)
        indentEndTag = true
        buffer.append(UInt8(ascii: "\n"))
        elements.removeLast()
        try flushIfFull()
    }

    /// Ends the innermost start tag (`>`) before its content; a child element starts on a new line.
    private func closeStartTag(newline: Bool) {
        guard let last = elements.indices.last, elements[last].startTagOpen else { return }
        elements[last].startTagOpen = false
        buffer.append(UInt8(ascii: ">"))
        if newline { buffer.append(UInt8(ascii: "\n")) }
    }

    /// Two spaces per enclosing element of the innermost one.
    private func indent() {
        for _ in 1..<max(elements.count, 1) { append("  ") }
    }

    private func endTag(_ name: String) {
        append("</")
        append(name)
        buffer.append(UInt8(ascii: ">"))
    }

    private func append(_ string: String) {
        var string = string
        string.withUTF8 { buffer.append(contentsOf: $0) }
    }

    /// Text content as libxml2's `xmlEncodeSpecialChars` escapes it: `<`, `>`, `&`, `"` and carriage returns.
    private func escapeText(_ text: String) {
        escape(text) { byte in
            switch byte {
            case UInt8(ascii: "<"): "&lt;"
            case UInt8(ascii: ">"): "&gt;"
            case UInt8(ascii: "&"): "&amp;"
            case UInt8(ascii: "\""): "&quot;"
            case UInt8(ascii: "\r"): "&#13;"
            default: nil
            }
        }
    }

    /// An attribute value as libxml2's text writer escapes one: the text's escapes plus line feeds and tabs as
    /// character references (a parser would turn them into spaces).
    private func escapeAttribute(_ value: String) {
        escape(value) { byte in
            switch byte {
            case UInt8(ascii: "<"): "&lt;"
            case UInt8(ascii: ">"): "&gt;"
            case UInt8(ascii: "&"): "&amp;"
            case UInt8(ascii: "\""): "&quot;"
            case UInt8(ascii: "\r"): "&#13;"
            case UInt8(ascii: "\n"): "&#10;"
            case UInt8(ascii: "\t"): "&#9;"
            default: nil
            }
        }
    }

    /// Copies `string`'s UTF-8 with each byte `entity` names replaced (every escaped character is ASCII, so a
    /// byte never splits a multi-byte character), in runs rather than byte by byte.
    private func escape(_ string: String, _ entity: (UInt8) -> StaticString?) {
        var string = string
        string.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() where byte < 0x40 {
                guard let replacement = entity(byte) else { continue }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                replacement.withUTF8Buffer { buffer.append(contentsOf: $0) }
                start = index + 1
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }

    private func flushIfFull() throws {
        if buffer.count >= Self.flushSize { try flush() }
    }

    /// Hands the buffered bytes to the kernel; a failure (disk full) is thrown, never left for a close to drop.
    private func flush() throws {
        guard fd >= 0 else {
            throw XMLWriteError(file: url.path, message: "written after the file was finished (a bug in ferry)")
        }
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw XMLWriteError(file: url.path, message: "writing failed (disk full or the file was removed?)", errno: errno)
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
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

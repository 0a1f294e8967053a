import Foundation
import SystemPackage

/// Writes an XML file element by element (UTF-8, indented by two spaces): memory stays flat however many records
/// go through.
///
/// The bytes are those libxml2's text writer (`xmlTextWriter`, indent on) wrote here before (#18): ``XMLMarkup``
/// makes them, and `XMLStreamWriterOracleTests` checks them against libxml2 on random documents. They are made in
/// Swift because going through the text writer was a sixth of an order download's CPU: a C call, a `strlen` and
/// a UTF-8 to UTF-8 conversion for every name and value. Reading XML stays with libxml2.
///
/// The writer escapes text and drops characters XML 1.0 cannot carry (control characters from a web form),
/// so its output always parses.
public final class XMLStreamWriter {
    /// The file being written.
    public let url: URL
    /// The file, until ``finish()`` closes it.
    private var fd: FileDescriptor?
    private var markup: XMLMarkup
    private var finished = false

    /// Bytes kept before they go to `write(2)`.
    private static let flushSize = 64 * 1024

    /// Creates (or truncates) `url` and writes the XML declaration.
    /// - Throws: ``XMLWriteError`` when the file cannot be created.
    public init(url: URL) throws {
        self.url = url
        // Grown as needed up to a flush: a one-order file is a few kilobytes, and freeing a 68 KB buffer made
        // malloc consolidate its free lists after every file of a burst (#18).
        markup = XMLMarkup(capacity: 8 * 1024)
        // The path opened directly: `FilePath` from `URL.path` was half of opening a one-order file's output.
        let path = url.path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw XMLWriteError(file: path, message: "cannot create the file (does the folder exist and is it writable?)", errno: errno)
        }
        fd = FileDescriptor(rawValue: descriptor)
    }

    /// An unfinished file is closed without what was still buffered: a failed run's output never grows after it.
    deinit {
        try? fd?.close()
    }

    /// Opens an element; close it with ``endElement()``.
    public func startElement(_ name: String) throws {
        Self.withBytes(name) { markup.startElement($0) }
        try flushIfFull()
    }

    /// ``startElement(_:)`` with the name as UTF-8 bytes.
    public func startElement(_ name: UnsafeBufferPointer<UInt8>) throws {
        markup.startElement(name)
        try flushIfFull()
    }

    /// Adds an attribute to the element just opened.
    public func attribute(_ name: String, _ value: String) throws {
        try requireStartTag(for: name)
        Self.withBytes(Self.clean(value)) { value in Self.withBytes(name) { markup.attribute($0, value) } }
        try flushIfFull()
    }

    /// ``attribute(_:_:)-(String,String)`` with the value as UTF-8 bytes.
    public func attribute(_ name: String, _ value: UnsafeBufferPointer<UInt8>) throws {
        try requireStartTag(for: name)
        Self.withClean(value) { value in Self.withBytes(name) { markup.attribute($0, value) } }
        try flushIfFull()
    }

    private func requireStartTag(for attribute: String) throws {
        guard markup.takesAttributes else {
            throw XMLWriteError(file: url.path, message: "attribute \(attribute) written outside a start tag (a bug in ferry)")
        }
    }

    /// Writes escaped text inside the current element.
    public func text(_ text: String) throws {
        Self.withBytes(Self.clean(text)) { markup.text($0) }
        try flushIfFull()
    }

    /// ``text(_:)-(String)`` with the text as UTF-8 bytes.
    public func text(_ text: UnsafeBufferPointer<UInt8>) throws {
        Self.withClean(text) { markup.text($0) }
        try flushIfFull()
    }

    /// Closes the innermost open element (`<name/>` when it has no content).
    public func endElement() throws {
        markup.endElement()
        try flushIfFull()
    }

    /// Writes `<name>text</name>`.
    public func element(_ name: String, _ text: String) throws {
        Self.withBytes(Self.clean(text)) { text in Self.withBytes(name) { markup.element($0, text) } }
        try flushIfFull()
    }

    /// ``element(_:_:)-(String,String)`` with the text as UTF-8 bytes.
    public func element(_ name: String, _ text: UnsafeBufferPointer<UInt8>) throws {
        try Self.withBytes(name) { try element($0, text) }
    }

    /// ``element(_:_:)-(String,String)`` with the name and the text as UTF-8 bytes.
    public func element(_ name: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>) throws {
        Self.withClean(text) { markup.element(name, $0) }
        try flushIfFull()
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
            markup.fullEndElement()
            try flushIfFull()
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
        while markup.isInsideElement { markup.endElement() }
        try flush()
        let file = fd
        fd = nil
        do {
            try file?.close()
        } catch {
            throw XMLWriteError(file: url.path, message: "writing failed (disk full or the file was removed?)", errno: (error as? Errno)?.rawValue ?? 0)
        }
    }

    private func flushIfFull() throws {
        if markup.bytes.count >= Self.flushSize { try flush() }
    }

    /// Hands the buffered bytes to the kernel (swift-system's `writeAll`: short writes and EINTR handled); a failure
    /// (disk full) is thrown, never left for a close to drop.
    private func flush() throws {
        guard let fd else {
            throw XMLWriteError(file: url.path, message: "written after the file was finished (a bug in ferry)")
        }
        do {
            _ = try fd.writeAll(markup.bytes)
        } catch {
            throw XMLWriteError(file: url.path, message: "writing failed (disk full or the file was removed?)", errno: (error as? Errno)?.rawValue ?? 0)
        }
        markup.bytes.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with `string`'s UTF-8 (a native string's own bytes: no copy).
    static func withBytes<T>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        var string = string
        return try string.withUTF8(body)
    }

    /// Calls `body` with `text` as valid UTF-8 less the characters XML 1.0 forbids: `text` itself when it is
    /// ASCII without them, as nearly always (a byte check). Anything else goes through a `String`, which repairs
    /// bytes that are not UTF-8 (U+FFFD, as a parse does), and ``clean(_:)``. (A `String` is valid UTF-8
    /// already: the `String` API cleans it directly.)
    static func withClean<T>(_ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        guard text.contains(where: { ($0 < 0x20 && $0 != 0x9 && $0 != 0xA && $0 != 0xD) || $0 >= 0x80 }) else {
            return try body(text)
        }
        return try withBytes(clean(String(decoding: text, as: UTF8.self)), body)
    }

    /// Removes the characters XML 1.0 forbids (C0 controls other than tab, newline, carriage return; U+FFFE/F).
    static func clean(_ text: String) -> String {
        // Byte check first (every text written goes through here): a forbidden scalar is either a C0 control,
        // one byte below 0x20 in UTF-8, or U+FFFE/U+FFFF, which start with 0xEF.
        // On the contiguous bytes where the string has them (native strings do): through `String.UTF8View` the
        // check was a fifth of writing an element (#18).
        let suspect: (UInt8) -> Bool = { ($0 < 0x20 && $0 != 0x9 && $0 != 0xA && $0 != 0xD) || $0 == 0xEF }
        guard text.utf8.withContiguousStorageIfAvailable({ $0.contains(where: suspect) }) ?? text.utf8.contains(where: suspect),
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

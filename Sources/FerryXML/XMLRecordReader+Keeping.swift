import CXML
public import Foundation

extension XMLRecordReader {
    /// Reads the whole file like ``forEachRecord(path:_:)``, but builds only the record's children named in
    /// `fields`: every other child streams past unbuilt, whatever its size (a product's base64 attachments in a
    /// Sage stock export: gigabytes of them cost no memory, and no text node meets libxml2's 10 MB cap).
    ///
    /// libxml2's SAX parser drives it (the text reader builds each text node whole before it can skip it), with
    /// the same protection: no network, nothing external, internal entities expanded under the same budget.
    ///
    /// - Parameters:
    ///   - path: element names from the root down to the record; the root must match `path[0]`.
    ///   - fields: the names of the record's child elements to build (with their subtrees).
    ///   - body: called with each record holding only those children; an error it throws stops the reading.
    /// - Throws: ``XMLError`` for a malformed or hostile document (with line and column), or what `body` throws.
    public func forEachRecord(path: [String], keeping fields: Set<String>, _ body: (XMLNode) throws -> Void) throws {
        precondition(path.count >= 2, "a record path names the root and the record")
        try withoutActuallyEscaping(body) { body in
            let scan = RecordScan(file: url.path, path: path, fields: fields, body: body)
            try scan.run()
        }
    }
}

/// One SAX pass over a file: the parser's callbacks build the records' kept fields and hand each record on.
private final class RecordScan {
    let file: String
    let path: [String]
    let fields: Set<String>
    let body: (XMLNode) throws -> Void
    let errors = ErrorCollector()
    var budget: EntityBudget
    var context: xmlParserCtxtPtr?
    /// The names of the open elements above the record level.
    var ancestors: [String] = []
    /// The record being built and its open kept descendants (empty outside a record).
    var open: [XMLNode] = []
    /// Depth below the record while inside a child that is not kept: nothing there is built.
    var passing = 0
    var depth = 0
    /// What stopped the parse from our side (the body's error, a refused document).
    var failure: (any Error)?

    /// Bytes handed to the parser at a time.
    static let chunk = 256 * 1024

    init(file: String, path: [String], fields: Set<String>, body: @escaping (XMLNode) throws -> Void) {
        self.file = file
        self.path = path
        self.fields = fields
        self.body = body
        budget = EntityBudget(file: file)
    }

    func run() throws {
        LibXML.setUp()
        ErrorCollector.silenceGenericErrors()
        let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw XMLError(file: file, message: "cannot open the file for reading (missing, unreadable or not a regular file)")
        }
        defer { close(fd) }
        var handler = Self.handler()
        // No user data: the parser passes itself to every callback, as libxml2's own SAX2 handlers (kept for the
        // DTD and entity declarations) expect; the scan rides in `_private`.
        guard let context = xmlCreatePushParserCtxt(&handler, nil, nil, 0, file) else {
            throw XMLError(file: file, message: "cannot start the XML parser")
        }
        self.context = context
        let me = Unmanaged.passRetained(self)
        defer {
            if let doc = context.pointee.myDoc { xmlFreeDoc(doc) }
            context.pointee.myDoc = nil
            xmlFreeParserCtxt(context)
            me.release()
        }
        context.pointee._private = me.toOpaque()
        _ = xmlCtxtUseOptions(context, secureParseOptions)
        var buffer = [CChar](repeating: 0, count: Self.chunk)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw XMLError(file: file, message: "reading failed: errno \(errno)")
            }
            _ = buffer.withUnsafeBufferPointer { xmlParseChunk(context, $0.baseAddress, Int32(count), count == 0 ? 1 : 0) }
            if let failure { throw failure }
            if let error = errors.firstError(file: file) { throw error }
            if context.pointee.wellFormed == 0 {
                throw XMLError(file: file, line: line, message: "the document is not well-formed XML")
            }
            if count == 0 { break }
        }
        if !sawRoot { throw XMLError(file: file, message: "the file holds no XML element") }
    }

    var sawRoot = false
    var line: Int { Int(context?.pointee.input?.pointee.line ?? 0) }

    func stop(_ error: any Error) {
        guard failure == nil else { return }
        failure = error
        if let context { xmlStopParser(context) }
    }

    func start(_ name: String, attributes: [XMLNode.Attribute]) throws {
        defer { depth += 1 }
        if passing > 0 { passing += 1; return }
        if depth == 0 {
            sawRoot = true
            // The DTD, if any, is complete by the root: refuse external declarations before any is used.
            try DeclarationCheck.check(doc: context?.pointee.myDoc, file: file)
            if name != path[0] {
                throw XMLError(
                    file: file, line: line,
                    message: "root element is <\(name)>, expected <\(path[0])>: this is not the kind of file this stage reads")
            }
        }
        if open.count == 1, !fields.contains(name) {
            passing = 1
        } else if !open.isEmpty {
            open.append(XMLNode(name: name, attributes: attributes, line: line))
        } else if depth == path.count - 1, ancestors.elementsEqual(path.dropLast()), name == path.last {
            open = [XMLNode(name: name, attributes: attributes, line: line)]
        } else {
            ancestors.append(name)
        }
    }

    func end() throws {
        depth -= 1
        if passing > 0 { passing -= 1; return }
        guard let node = open.popLast() else {
            _ = ancestors.popLast()
            return
        }
        if open.isEmpty { try body(node) } else { open[open.count - 1].children.append(node) }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard passing == 0, !open.isEmpty else { return }
        open[open.count - 1].text += String(decoding: bytes, as: UTF8.self)
    }

    /// An internal entity (libxml2 does not substitute them): expanded under the budget wherever it stands, so
    /// a bomb outside the kept fields is refused as the text reader refuses it.
    func reference(_ name: String) throws {
        let text = try budget.expand(name, in: context?.pointee.myDoc, line: line)
        guard passing == 0, !open.isEmpty else { return }
        open[open.count - 1].text += text
    }

    /// libxml2's SAX2 handler (document, DTD and entity declarations), with the element, text, entity and
    /// error callbacks ours.
    static func handler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        _ = xmlSAXVersion(&handler, 2)
        handler.startElementNs = { context, localName, _, _, _, _, attributeCount, _, attributes in
            guard let scan = RecordScan.scan(context) else { return }
            let name = String(xmlChars: localName) ?? ""
            var list: [XMLNode.Attribute] = []
            if let attributes, scan.passing == 0 {
                // Five pointers each: local name, prefix, URI, value start, value end.
                for index in 0..<Int(attributeCount) {
                    let base = index * 5
                    guard let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
                    var value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                    // Without entity substitution libxml2 leaves references in attribute values (`&amp;` as
                    // `&#38;`) for the handler to decode, as its own SAX2 handler does.
                    if value.contains("&"), let decoded = xmlStringLenDecodeEntities(
                        context?.assumingMemoryBound(to: xmlParserCtxt.self), start, Int32(end - start),
                        Int32(XML_SUBSTITUTE_REF), 0, 0, 0)
                    {
                        value = String(xmlChars: decoded) ?? ""
                        ferry_xml_free(decoded)
                    }
                    list.append(.init(name: String(xmlChars: attributes[base]) ?? "", value: value))
                }
            }
            do { try scan.start(name, attributes: list) } catch { scan.stop(error) }
        }
        handler.endElementNs = { context, _, _, _ in
            guard let scan = RecordScan.scan(context) else { return }
            do { try scan.end() } catch { scan.stop(error) }
        }
        let characters: charactersSAXFunc = { context, bytes, count in
            guard let scan = RecordScan.scan(context), let bytes else { return }
            scan.characters(UnsafeBufferPointer(start: bytes, count: Int(count)))
        }
        handler.characters = characters
        handler.ignorableWhitespace = characters
        handler.cdataBlock = characters
        handler.reference = { context, name in
            guard let scan = RecordScan.scan(context) else { return }
            do { try scan.reference(String(xmlChars: name) ?? "") } catch { scan.stop(error) }
        }
        handler.serror = { context, error in
            guard let error, let scan = RecordScan.scan(context) else { return }
            scan.errors.record(error)
        }
        return handler
    }

    /// The scan of the main parser; nil for the throw-away parser libxml2 runs over an entity's text to check it
    /// (it shares `_private`; its events are not the document's).
    static func scan(_ context: UnsafeMutableRawPointer?) -> RecordScan? {
        guard let context else { return nil }
        let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let opaque = parser.pointee._private else { return nil }
        let scan = Unmanaged<RecordScan>.fromOpaque(opaque).takeUnretainedValue()
        return scan.context == parser ? scan : nil
    }
}

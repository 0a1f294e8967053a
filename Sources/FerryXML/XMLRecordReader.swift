import CXML
public import Foundation

/// Streams a file record by record with libxml2's text reader: memory stays flat whatever the file's size,
/// and the reading is safe against hostile input (no network, nothing external, entity expansion capped).
///
/// ```swift
/// let reader = try XMLRecordReader(url: file)
/// try reader.forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { order in ... }
/// ```
public final class XMLRecordReader {
    /// The file being read.
    public let url: URL
    /// `url.path`, decoded once: `URL.path` decodes the URL on every call, and errors and the open need it.
    private let filePath: String
    private let reader: xmlTextReaderPtr
    /// The open file the reader reads; libxml2 leaves it to us to close.
    private let descriptor: Int32
    private let errors = ErrorCollector()
    private var budget: EntityBudget
    private var collectorBox: Unmanaged<ErrorCollector>

    /// Opens `url` for streaming.
    /// - Throws: ``XMLError`` when the file cannot be opened.
    public init(url: URL) throws {
        LibXML.setUp()
        ErrorCollector.silenceGenericErrors()
        self.url = url
        filePath = url.path
        self.budget = EntityBudget(file: filePath)
        // Opened here, not by name: libxml2 tries its gzip and xz readers on every file it opens by name, which
        // was half of opening a one-order file in the burst profile. Ferry reads XML, never compressed XML.
        let descriptor = open(filePath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0, let reader = xmlReaderForFd(descriptor, filePath, nil, secureParseOptions) else {
            if descriptor >= 0 { close(descriptor) }
            throw XMLError(file: filePath, message: "cannot open the file for reading (missing, unreadable or not a regular file)")
        }
        self.reader = reader
        self.descriptor = descriptor
        collectorBox = Unmanaged.passRetained(errors)
        xmlTextReaderSetStructuredErrorHandler(reader, ErrorCollector.callback, collectorBox.toOpaque())
    }

    deinit {
        xmlFreeTextReader(reader)
        close(descriptor)
        collectorBox.release()
    }

    /// Reads the whole file, calling `body` with each element found at `path` (root first), one at a time.
    ///
    /// - Parameters:
    ///   - path: element names from the root down to the record, e.g. `["Company", "SalesOrders", "SalesOrder"]`.
    ///     The root must match `path[0]`, or the file is rejected as the wrong kind of document.
    ///   - body: called with each record; an error it throws stops the reading and is rethrown.
    /// - Throws: ``XMLError`` for a malformed or hostile document (with line and column), or what `body` throws.
    public func forEachRecord(path: [String], _ body: (XMLNode) throws -> Void) throws {
        precondition(path.count >= 2, "a record path names the root and the record")
        var stack: [String] = []
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { break }
            if status < 0 { throw failure() }
            let type = xmlTextReaderNodeType(reader)
            let depth = Int(xmlTextReaderDepth(reader))
            switch type {
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                try checkDeclarations()
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let name = String(xmlChars: xmlTextReaderConstLocalName(reader)) ?? ""
                stack.removeLast(max(0, stack.count - depth))
                if depth == 0, name != path[0] {
                    throw XMLError(
                        file: filePath, line: Int(xmlTextReaderGetParserLineNumber(reader)),
                        message: "root element is <\(name)>, expected <\(path[0])>: this is not the kind of file this stage reads")
                }
                if depth == path.count - 1, stack == Array(path.dropLast()), name == path.last {
                    guard let node = xmlTextReaderExpand(reader) else { throw failure() }
                    let record = try convert(node)
                    try body(record)
                    // Next() skips the subtree we just read; the reader frees the nodes behind it.
                    let next = xmlTextReaderNext(reader)
                    if next < 0 { throw failure() }
                    if next == 0 { return try finish() }
                    // Next() already moved onto the following node: handle it without another Read().
                    try handleCurrentAfterSkip(path: path, stack: &stack, body: body)
                    continue
                }
                if xmlTextReaderIsEmptyElement(reader) == 0 { stack.append(name) }
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                let name = String(xmlChars: xmlTextReaderConstLocalName(reader)) ?? ""
                _ = try budget.expand(name, in: currentDocument, line: Int(xmlTextReaderGetParserLineNumber(reader)))
            default:
                break
            }
        }
        try finish()
    }

    /// After Next(), the reader sits on a node not yet handled: loop it through the same rules.
    private func handleCurrentAfterSkip(path: [String], stack: inout [String], body: (XMLNode) throws -> Void) throws {
        while true {
            let type = xmlTextReaderNodeType(reader)
            let depth = Int(xmlTextReaderDepth(reader))
            guard type == Int32(XML_READER_TYPE_ELEMENT.rawValue) else { return }
            let name = String(xmlChars: xmlTextReaderConstLocalName(reader)) ?? ""
            stack.removeLast(max(0, stack.count - depth))
            guard depth == path.count - 1, stack == Array(path.dropLast()), name == path.last else {
                if xmlTextReaderIsEmptyElement(reader) == 0 { stack.append(name) }
                return
            }
            guard let node = xmlTextReaderExpand(reader) else { throw failure() }
            try body(try convert(node))
            let next = xmlTextReaderNext(reader)
            if next < 0 { throw failure() }
            if next == 0 { return }
        }
    }

    /// The name of the root element, reading no further than it.
    public func rootName() throws -> String {
        while true {
            let status = xmlTextReaderRead(reader)
            if status <= 0 { throw failure(orDefault: "the file holds no XML element") }
            if xmlTextReaderNodeType(reader) == Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue) { try checkDeclarations() }
            if xmlTextReaderNodeType(reader) == Int32(XML_READER_TYPE_ELEMENT.rawValue) {
                return String(xmlChars: xmlTextReaderConstLocalName(reader)) ?? ""
            }
        }
    }

    /// The document being read, through the current node: xmlTextReaderCurrentDoc would switch the reader to
    /// preserve mode, which keeps every node in memory (no more streaming) and leaks the document when the
    /// reader is freed (found by the fuzzer's leak check on any file with a DOCTYPE).
    private var currentDocument: xmlDocPtr? {
        xmlTextReaderCurrentNode(reader)?.pointee.doc
    }

    private func finish() throws {
        if let error = errors.firstError(file: filePath) { throw error }
    }

    private func failure(orDefault message: String = "the document is not well-formed XML") -> XMLError {
        errors.firstError(file: filePath)
            ?? XMLError(file: filePath, line: Int(xmlTextReaderGetParserLineNumber(reader)), message: message)
    }

    /// A DOCTYPE may declare internal entities (they are expanded under the budget) but nothing external.
    private func checkDeclarations() throws {
        try DeclarationCheck.check(doc: currentDocument, file: filePath)
    }

    /// Copies a libxml2 subtree into an ``XMLNode``, expanding entity references under the budget.
    private func convert(_ node: xmlNodePtr) throws -> XMLNode {
        var result = XMLNode(
            name: String(xmlChars: node.pointee.name) ?? "", line: Int(xmlGetLineNo(node)))
        var attribute = node.pointee.properties
        while let a = attribute {
            let value = xmlNodeListGetString(node.pointee.doc, a.pointee.children, 1)
            result.attributes.append(.init(name: String(xmlChars: a.pointee.name) ?? "", value: String(xmlChars: value) ?? ""))
            ferry_xml_free(value)
            attribute = a.pointee.next
        }
        var child = node.pointee.children
        while let c = child {
            switch c.pointee.type {
            case XML_ELEMENT_NODE:
                result.children.append(try convert(c))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                result.text += String(xmlChars: c.pointee.content) ?? ""
            case XML_ENTITY_REF_NODE:
                let name = String(xmlChars: c.pointee.name) ?? ""
                result.text += try budget.expand(name, in: node.pointee.doc, line: result.line)
            default:
                break
            }
            child = c.pointee.next
        }
        return result
    }
}

/// Checks a document's DTD declarations: entities must be internal; nothing may point outside the file.
enum DeclarationCheck {
    static func check(doc: xmlDocPtr?, file: String) throws {
        guard let doc, let subset = doc.pointee.intSubset else { return }
        if subset.pointee.SystemID != nil || subset.pointee.ExternalID != nil {
            throw XMLError(file: file, message: "the DOCTYPE names an external DTD: ferry never loads one; remove the DOCTYPE")
        }
        for table in [subset.pointee.entities, subset.pointee.pentities] {
            guard let table else { continue }
            let box = Box()
            xmlHashScan(OpaquePointer(table), { payload, data, _ in
                guard let payload, let data else { return }
                let entity = payload.assumingMemoryBound(to: xmlEntity.self)
                let box = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
                switch entity.pointee.etype {
                case XML_INTERNAL_GENERAL_ENTITY, XML_INTERNAL_PREDEFINED_ENTITY: break
                default: box.external.append(String(xmlChars: entity.pointee.name) ?? "?")
                }
            }, Unmanaged.passUnretained(box).toOpaque())
            if let name = box.external.first {
                throw XMLError(
                    file: file,
                    message: "the document declares the external or parameter entity '\(name)': refused (XXE); ferry never loads files or URLs named in a document")
            }
        }
    }

    private final class Box { var external: [String] = [] }
}

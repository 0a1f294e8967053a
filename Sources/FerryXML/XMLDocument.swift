import CXML
public import Foundation

/// A whole document in memory (libxml2 tree), parsed with the same protections as the streaming reader.
/// Used for XSLT input and stylesheets; record-by-record work uses ``XMLRecordReader``.
public final class SecureXMLDocument {
    /// The file it came from.
    public let url: URL
    let doc: xmlDocPtr

    /// Parses `url`.
    /// - Throws: ``XMLError`` for a malformed or hostile document, with line and column.
    public init(url: URL) throws {
        LibXML.setUp()
        ErrorCollector.silenceGenericErrors()
        self.url = url
        let errors = ErrorCollector()
        guard let context = xmlNewParserCtxt() else {
            throw XMLError(file: url.path, message: "out of memory creating a parser")
        }
        defer { xmlFreeParserCtxt(context) }
        let box = Unmanaged.passRetained(errors)
        defer { box.release() }
        xmlSetStructuredErrorFunc(box.toOpaque(), ErrorCollector.callback)
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        // Read through a descriptor: xmlCtxtReadFile would go through the external entity loader, which
        // ferry sets to refuse everything.
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw XMLError(file: url.path, message: "cannot open the file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let parsed = xmlCtxtReadFd(context, fd, url.path, nil, secureParseOptions)
        guard let parsed, errors.errors.isEmpty else {
            if let parsed { xmlFreeDoc(parsed) }
            throw errors.firstError(file: url.path)
                ?? XMLError(file: url.path, message: "cannot read the file as XML (missing or unreadable?)")
        }
        do {
            try DeclarationCheck.check(doc: parsed, file: url.path)
            var budget = EntityBudget(file: url.path)
            try Self.expandEntities(in: xmlDocGetRootElement(parsed), doc: parsed, budget: &budget)
        } catch {
            xmlFreeDoc(parsed)
            throw error
        }
        doc = parsed
    }

    deinit {
        xmlFreeDoc(doc)
    }

    /// The root element's name.
    public var rootName: String {
        String(xmlChars: xmlDocGetRootElement(doc)?.pointee.name) ?? ""
    }

    /// Replaces every entity reference by its text, charged to the budget, so XSLT sees plain text and an
    /// entity bomb is refused before it can grow.
    private static func expandEntities(in node: xmlNodePtr?, doc: xmlDocPtr, budget: inout EntityBudget) throws {
        var current = node
        while let n = current {
            let next = n.pointee.next
            if n.pointee.type == XML_ENTITY_REF_NODE {
                let name = String(xmlChars: n.pointee.name) ?? ""
                let text = try budget.expand(name, in: doc, line: Int(xmlGetLineNo(n)))
                let replacement = text.withXMLChars { xmlNewDocText(doc, $0) }
                xmlReplaceNode(n, replacement)
                xmlFreeNode(n)
            } else if n.pointee.type == XML_ELEMENT_NODE {
                try expandEntities(in: n.pointee.children, doc: doc, budget: &budget)
            }
            current = next
        }
    }
}

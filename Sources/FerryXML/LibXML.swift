import CXML
import Foundation

/// The parser options every ferry read uses: never the network, never an external DTD, no entity
/// substitution by libxml2 (ferry expands internal entities itself, under a budget: see ``EntityBudget``),
/// and libxml2's own size limits kept (no XML_PARSE_HUGE).
let secureParseOptions: Int32 = Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_NOCDATA.rawValue)

/// One-time process set-up of libxml2: initialise it, and refuse every external entity or DTD load, whatever
/// the options of a particular parse say (defence in depth against XXE).
enum LibXML {
    private static let ready: Bool = {
        xmlInitParser()
        // Nothing external is ever fetched: not a DTD, not an entity, not a stylesheet's document().
        xmlSetExternalEntityLoader { _, _, _ in nil }
        exsltRegisterAll()
        return true
    }()

    static func setUp() { _ = ready }
}

/// Collects the errors libxml2 reports for one document instead of letting it print them to stderr.
final class ErrorCollector {
    private(set) var errors: [(line: Int, column: Int, message: String)] = []

    func record(_ error: UnsafePointer<xmlError>) {
        let e = error.pointee
        guard e.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        let text = e.message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "XML error \(e.code)"
        errors.append((Int(e.line), Int(e.int2), text))
    }

    /// The first error as an ``XMLError`` for `file`, if any was seen.
    func firstError(file: String) -> XMLError? {
        errors.first.map { XMLError(file: file, line: $0.line, column: $0.column, message: $0.message) }
    }

    /// A C callback forwarding to the collector passed as its context.
    static let callback: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        Unmanaged<ErrorCollector>.fromOpaque(context).takeUnretainedValue().record(error)
    }

    /// Silences libxml2's and libxslt's generic (printf-style) error channels on this thread; the structured
    /// handlers carry everything ferry reports.
    static func silenceGenericErrors() {
        ferry_xml_silence_generic_errors()
    }
}

/// Expands internal entities under a byte budget per document, refusing external ones: this is what stops
/// billion-laughs and quadratic-blowup files, whatever libxml2's own heuristics would allow.
struct EntityBudget {
    /// Bytes of entity expansion one document may produce in all.
    static let defaultLimit = 1 << 20
    /// Nesting depth of entities inside entities.
    static let maxDepth = 8

    var remaining: Int
    let file: String

    init(file: String, limit: Int = EntityBudget.defaultLimit) {
        self.remaining = limit
        self.file = file
    }

    /// The replacement text of the entity `name` in `doc`, fully expanded, charged to the budget.
    mutating func expand(_ name: String, in doc: xmlDocPtr?, line: Int, depth: Int = 0) throws -> String {
        guard depth < Self.maxDepth else {
            throw XMLError(file: file, line: line, message: "entity '\(name)' nests deeper than \(Self.maxDepth) levels (entity bomb?)")
        }
        guard let entity = name.withXMLChars({ xmlGetDocEntity(doc, $0) }) else {
            throw XMLError(file: file, line: line, message: "undeclared entity '&\(name);'")
        }
        switch entity.pointee.etype {
        case XML_INTERNAL_GENERAL_ENTITY, XML_INTERNAL_PREDEFINED_ENTITY:
            break
        default:
            throw XMLError(
                file: file, line: line,
                message: "external entity '&\(name);' refused: ferry never loads files or URLs named in a document")
        }
        let raw = entity.pointee.content.map { String(cString: $0) } ?? ""
        var result = ""
        var rest = Substring(raw)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { result += rest[amp...]; rest = ""; break }
            let reference = String(rest[rest.index(after: amp)..<semi])
            if reference.hasPrefix("#") {
                result += decodeCharacterReference(reference) ?? ""
            } else {
                result += try expand(reference, in: doc, line: line, depth: depth + 1)
            }
            rest = rest[rest.index(after: semi)...]
        }
        result += rest
        if depth == 0 {
            remaining -= result.utf8.count
            guard remaining >= 0 else {
                throw XMLError(
                    file: file, line: line,
                    message: "entity expansion exceeds \(EntityBudget.defaultLimit) bytes (billion laughs or quadratic blowup)")
            }
        } else if result.utf8.count > EntityBudget.defaultLimit {
            throw XMLError(file: file, line: line, message: "entity '\(name)' expands beyond the limit (entity bomb)")
        }
        return result
    }

    private func decodeCharacterReference(_ reference: String) -> String? {
        let digits = reference.dropFirst()
        let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
        return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
    }
}

extension String {
    /// Calls `body` with the string as a NUL-terminated `xmlChar` pointer.
    func withXMLChars<T>(_ body: (UnsafePointer<xmlChar>) throws -> T) rethrows -> T {
        try withCString { try $0.withMemoryRebound(to: xmlChar.self, capacity: utf8.count + 1, body) }
    }

    /// Reads an `xmlChar` string from libxml2, or nil.
    init?(xmlChars: UnsafePointer<xmlChar>?) {
        guard let xmlChars else { return nil }
        self = String(cString: xmlChars)
    }
}

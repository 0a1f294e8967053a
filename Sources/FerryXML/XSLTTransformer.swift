import CXML
public import Foundation
import Synchronization

/// Applies an XSLT 1.0 stylesheet (libxslt, with the EXSLT extensions) to documents: the generic Auto Mapper.
///
/// The compiled stylesheet is cached and recompiled when the file's size or modification time changes, so an
/// integrator can edit a mapping while `ferry watch` runs. A stylesheet may not write files, create folders,
/// read other files or reach the network (libxslt security preferences), and its input is parsed like every
/// document ferry reads (no external entities, capped expansion).
public final class XSLTTransformer: Sendable {
    /// The stylesheet file.
    public let stylesheetURL: URL
    private let cache = Mutex<CompiledStylesheet?>(nil)

    /// Creates a transformer; the stylesheet is compiled on first use.
    public init(stylesheet: URL) {
        LibXML.setUp()
        self.stylesheetURL = stylesheet
    }

    /// Transforms `input` into `output` with string `parameters` (quoted for XPath, so any text is safe).
    ///
    /// Blocking and CPU-bound: call it off the cooperative thread pool.
    /// - Throws: ``XMLError`` naming the stylesheet or the input for what went wrong.
    public func transform(input: URL, output: URL, parameters: [String: String] = [:]) throws {
        let document = try SecureXMLDocument(url: input)
        try cache.withLock { cached in
            let style = try current(&cached)
            try style.apply(to: document, output: output, parameters: parameters)
        }
    }

    /// Compiles the stylesheet now, e.g. to report a broken one at start-up rather than on the first file.
    public func validate() throws {
        try cache.withLock { cached in _ = try current(&cached) }
    }

    private func current(_ cached: inout CompiledStylesheet?) throws -> CompiledStylesheet {
        let stamp = try FileStamp(url: stylesheetURL)
        if let cached, cached.stamp == stamp { return cached }
        let compiled = try CompiledStylesheet(url: stylesheetURL, stamp: stamp)
        cached = compiled
        return compiled
    }
}

/// Size and modification time: enough to notice an edited stylesheet.
private struct FileStamp: Equatable {
    let size: Int
    let modified: Date

    init(url: URL) throws {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            size = (attributes[.size] as? Int) ?? 0
            modified = (attributes[.modificationDate] as? Date) ?? .distantPast
        } catch {
            throw XMLError(file: url.path, message: "cannot read the stylesheet: check the `stylesheet` setting and the file's permissions")
        }
    }
}

/// A compiled libxslt stylesheet, freed with it. Used under the transformer's mutex only.
private final class CompiledStylesheet: @unchecked Sendable {
    // @unchecked: the stylesheet pointer is only touched while XSLTTransformer's mutex is held.
    let stamp: FileStamp
    let url: URL
    private let style: xsltStylesheetPtr
    private let security: xsltSecurityPrefsPtr

    init(url: URL, stamp: FileStamp) throws {
        self.url = url
        self.stamp = stamp
        let document = try SecureXMLDocument(url: url)
        let errors = XSLTErrorBuffer(context: nil)
        defer { errors.release() }
        // xsltParseStylesheetDoc takes ownership of the tree: hand it a copy, the SecureXMLDocument frees its own.
        guard let copy = xmlCopyDoc(document.doc, 1) else {
            throw XMLError(file: url.path, message: "out of memory copying the stylesheet")
        }
        guard let style = xsltParseStylesheetDoc(copy) else {
            xmlFreeDoc(copy)
            throw XMLError(file: url.path, message: "not a valid XSLT 1.0 stylesheet: \(errors.text)")
        }
        if style.pointee.errors > 0 {
            xsltFreeStylesheet(style)
            throw XMLError(file: url.path, message: "the stylesheet has errors: \(errors.text)")
        }
        self.style = style
        guard let security = xsltNewSecurityPrefs() else {
            xsltFreeStylesheet(style)
            throw XMLError(file: url.path, message: "out of memory creating XSLT security preferences")
        }
        for option in [XSLT_SECPREF_WRITE_FILE, XSLT_SECPREF_CREATE_DIRECTORY, XSLT_SECPREF_READ_NETWORK,
                       XSLT_SECPREF_WRITE_NETWORK, XSLT_SECPREF_READ_FILE] {
            xsltSetSecurityPrefs(security, option, xsltSecurityForbid)
        }
        self.security = security
    }

    deinit {
        xsltFreeStylesheet(style)
        xsltFreeSecurityPrefs(security)
    }

    func apply(to document: SecureXMLDocument, output: URL, parameters: [String: String]) throws {
        guard let context = xsltNewTransformContext(style, document.doc) else {
            throw XMLError(file: url.path, message: "out of memory creating a transform context")
        }
        defer { xsltFreeTransformContext(context) }
        let errors = XSLTErrorBuffer(context: context)
        defer { errors.release() }
        xsltSetCtxtSecurityPrefs(security, context)

        // NULL-terminated name/value pairs, quoted by libxslt (xsltQuoteUserParams) so values are plain strings.
        let pairs = parameters.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
        var cStrings: [UnsafeMutablePointer<CChar>?] = pairs.map { strdup($0) } + [nil]
        defer { cStrings.forEach { free($0) } }
        let quoted = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                xsltQuoteUserParams(context, $0)
            }
        }
        guard quoted == 0 else {
            throw XMLError(file: url.path, message: "cannot pass the parameters to the stylesheet: \(errors.text)")
        }
        guard let result = xsltApplyStylesheetUser(style, document.doc, nil, nil, nil, context),
              context.pointee.state == XSLT_STATE_OK
        else {
            throw XMLError(file: document.url.path, message: "the stylesheet \(url.lastPathComponent) failed: \(errors.text)")
        }
        defer { xmlFreeDoc(result) }
        errno = 0
        if xsltSaveResultToFilename(output.path, result, style, 0) < 0 {
            throw XMLWriteError(file: output.path, message: "cannot write the transform's result (disk full or folder missing?)", errno: errno)
        }
    }
}

/// A buffer libxslt's error callback appends to while one compile or transform runs.
private final class XSLTErrorBuffer {
    private let buffer: UnsafeMutablePointer<CChar>

    init(context: xsltTransformContextPtr?) {
        buffer = .allocate(capacity: Int(FERRY_XSLT_ERROR_BUFFER))
        ferry_xslt_capture_errors(context, buffer)
    }

    /// Detaches the callback from the buffer and frees it.
    func release() {
        ferry_xslt_release_errors()
        buffer.deallocate()
    }

    var text: String {
        let text = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "no detail from libxslt" : text.replacingOccurrences(of: "\n", with: " ")
    }
}

/// XML text as bytes, element by element, in the form libxml2's text writer (`xmlTextWriter`, indent on, two
/// spaces) gives it: the same declaration, indentation, empty elements and escaping. ``XMLStreamWriter`` fills one
/// and hands its bytes to a file.
///
/// A value type so that a whole element is written under one access: as a class's stored properties, every
/// append paid Swift's run-time exclusivity check (a sixth of a download's CPU, #18).
struct XMLMarkup {
    /// The bytes not yet handed on.
    var bytes: [UInt8] = []
    /// Open elements, innermost last: where the name is in `names` and whether its start tag is still open
    /// (`<name` without `>`).
    private var elements: [(name: Range<Int>, startTagOpen: Bool)] = []
    /// The names of the open elements, one after the other (no `String` kept per element).
    private var names: [UInt8] = []
    /// Whether an end tag goes on its own indented line: not right after text, as libxml2 decides.
    private var indentEndTag = false

    /// Starts with the XML declaration.
    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
        append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    }

    /// Whether an element is open.
    var isInsideElement: Bool { !elements.isEmpty }

    /// Whether the innermost element's start tag still takes attributes.
    var takesAttributes: Bool { elements.last?.startTagOpen == true }

    mutating func startElement(_ name: UnsafeBufferPointer<UInt8>) {
        closeStartTag(newline: true)
        elements.append((names.count..<names.count + name.count, true))
        names.append(contentsOf: name)
        indent()
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name)
    }

    /// An attribute of the start tag just written (``takesAttributes``).
    mutating func attribute(_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: name)
        append("=\"")
        escapeAttribute(value)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func text(_ text: UnsafeBufferPointer<UInt8>) {
        closeStartTag(newline: false)
        indentEndTag = false
        escapeText(text)
    }

    /// Closes the innermost element: `<name/>` when it has no content.
    mutating func endElement() {
        guard let element = elements.last else { return }
        if element.startTagOpen {
            append("/>")
            closed()
        } else {
            endTag()
        }
    }

    /// Closes the innermost element with an end tag even when it is empty (`<name></name>`): libxml2 closes the
    /// start tag as for empty text.
    mutating func fullEndElement() {
        guard let element = elements.last else { return }
        if element.startTagOpen { text(UnsafeBufferPointer(start: nil, count: 0)) }
        endTag()
    }

    /// `<name>text</name>`: what ``startElement(_:)``, ``text(_:)`` and ``fullEndElement()`` write, without
    /// keeping the name (an order's every field goes through here).
    mutating func element(_ name: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>) {
        closeStartTag(newline: true)
        // Text without a byte to escape (nearly every value): the element is put together on the stack and
        // appended once. Eight appends of a few bytes each were 70 % of writing an element in the burst (#18).
        if !text.contains(where: { $0 < 0x40 && Self.textEntity($0) != nil }) {
            appendPlainElement(name, text)
            indentEndTag = true
            return
        }
        indent(levels: elements.count)
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name)
        bytes.append(UInt8(ascii: ">"))
        escapeText(text)
        append("</")
        bytes.append(contentsOf: name)
        append(">\n")
        indentEndTag = true
    }

    /// `<name>text</name>` and a line feed, indented, as one append; `text` needs no escape.
    private mutating func appendPlainElement(_ name: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>) {
        let indentBytes = 2 * elements.count
        let count = indentBytes + 2 * name.count + text.count + 6
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            var at = 0
            func put(_ part: UnsafeBufferPointer<UInt8>) {
                guard let base = part.baseAddress, !part.isEmpty else { return }
                UnsafeMutableRawPointer(buffer.baseAddress! + at).copyMemory(from: base, byteCount: part.count)
                at += part.count
            }
            func put(_ byte: UInt8) {
                buffer[at] = byte
                at += 1
            }
            for _ in 0..<indentBytes { put(UInt8(ascii: " ")) }
            put(UInt8(ascii: "<"))
            put(name)
            put(UInt8(ascii: ">"))
            put(text)
            put(UInt8(ascii: "<"))
            put(UInt8(ascii: "/"))
            put(name)
            put(UInt8(ascii: ">"))
            put(UInt8(ascii: "\n"))
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<at]))
        }
    }

    private mutating func closed() {
        indentEndTag = true
        bytes.append(UInt8(ascii: "\n"))
        names.removeSubrange(elements.removeLast().name)
    }

    /// Ends the innermost start tag (`>`) before its content; a child element starts on a new line.
    private mutating func closeStartTag(newline: Bool) {
        guard let last = elements.indices.last, elements[last].startTagOpen else { return }
        elements[last].startTagOpen = false
        bytes.append(UInt8(ascii: ">"))
        if newline { bytes.append(UInt8(ascii: "\n")) }
    }

    /// Two spaces per enclosing element of the innermost one.
    private mutating func indent() {
        indent(levels: max(elements.count - 1, 0))
    }

    private mutating func indent(levels: Int) {
        for _ in 0..<levels { append("  ") }
    }

    /// `</name>` of the innermost element, on its own indented line unless it follows text.
    private mutating func endTag() {
        if indentEndTag { indent() }
        append("</")
        bytes.append(contentsOf: names[elements[elements.count - 1].name])
        bytes.append(UInt8(ascii: ">"))
        closed()
    }

    private mutating func append(_ string: StaticString) {
        string.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Text content as libxml2's `xmlEncodeSpecialChars` escapes it: `<`, `>`, `&`, `"` and carriage returns.
    private mutating func escapeText(_ text: UnsafeBufferPointer<UInt8>) {
        escape(text, Self.textEntity)
    }

    /// An attribute value as libxml2's text writer escapes one: the text's escapes plus line feeds and tabs as
    /// character references (a parser would turn them into spaces).
    private mutating func escapeAttribute(_ value: UnsafeBufferPointer<UInt8>) {
        escape(value) { byte in
            switch byte {
            case UInt8(ascii: "\n"): "&#10;"
            case UInt8(ascii: "\t"): "&#9;"
            default: Self.textEntity(byte)
            }
        }
    }

    private static func textEntity(_ byte: UInt8) -> StaticString? {
        switch byte {
        case UInt8(ascii: "<"): "&lt;"
        case UInt8(ascii: ">"): "&gt;"
        case UInt8(ascii: "&"): "&amp;"
        case UInt8(ascii: "\""): "&quot;"
        case UInt8(ascii: "\r"): "&#13;"
        default: nil
        }
    }

    /// Copies `source` with each byte `entity` names replaced (every escaped character is ASCII, so a byte never
    /// splits a multi-byte character), in runs rather than byte by byte.
    private mutating func escape(_ source: UnsafeBufferPointer<UInt8>, _ entity: (UInt8) -> StaticString?) {
        var start = 0
        for (index, byte) in source.enumerated() where byte < 0x40 {
            guard let replacement = entity(byte) else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[start..<index]))
            replacement.withUTF8Buffer { bytes.append(contentsOf: $0) }
            start = index + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[start...]))
    }
}

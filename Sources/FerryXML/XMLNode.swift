/// A small, immutable element tree: one record of a streamed file (an `OrderInfo`, a `SalesOrder`), or a
/// subtree a writer echoes back.
public struct XMLNode: Sendable, Equatable {
    /// The element's local name.
    public var name: String
    /// Attributes in document order.
    public var attributes: [Attribute]
    /// The element's own text (its text and CDATA children, entities expanded), not trimmed.
    public var text: String
    /// Child elements in document order.
    public var children: [XMLNode]
    /// The line the element starts on, for error messages; 0 when built in code.
    public var line: Int

    /// One attribute.
    public struct Attribute: Sendable, Equatable {
        /// The attribute's name.
        public var name: String
        /// Its value.
        public var value: String

        /// Creates an attribute.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Creates a node.
    public init(name: String, attributes: [Attribute] = [], text: String = "", children: [XMLNode] = [], line: Int = 0) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
        self.line = line
    }

    /// The first child element called `name`. The byte counts are compared first: most names differ in length,
    /// and comparing two names longer than 15 bytes was 4 % of an order mapping's time.
    public func child(_ name: String) -> XMLNode? {
        let count = name.utf8.count
        return children.first { $0.name.utf8.count == count && $0.name == name }
    }

    /// Every child element called `name`.
    public func children(named name: String) -> [XMLNode] {
        let count = name.utf8.count
        return children.filter { $0.name.utf8.count == count && $0.name == name }
    }

    /// The text of the first child called `name`, or nil when there is no such child.
    public func string(_ name: String) -> String? {
        child(name)?.text
    }

    /// The value of the attribute `name`.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

/// One `<Errors><Error>` entry of a Zynk fail record.
public struct ZynkError: Sendable, Hashable {
    /// `Validation`, `Stock Transaction Import`, `Pre-validation`, ...
    public var name: String
    /// The field, its value and the limit, or Sage's message.
    public var description: String
    /// `2011-01-01T11:11:11`.
    public var date: String

    /// Creates an error entry.
    public init(name: String, description: String, date: String) {
        self.name = name
        self.description = description
        self.date = date
    }
}

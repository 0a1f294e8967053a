/// A simulator failure: names the file or folder and what to do.
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    /// What happened.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// An error of the engine, crossing module boundaries: a code, a message naming the file, key or stage and
/// what to do, and the underlying cause if any.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem this is; decides the exit status of `ferry run`.
    public enum Code: Sendable {
        /// config.json is wrong: fix it.
        case configuration
        /// A folder, the state store or a permission: an operator must act.
        case operational
        /// A bug in ferry.
        case `internal`
    }

    /// The kind of problem.
    public let code: Code
    /// The message, already naming the file or key and the fix.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

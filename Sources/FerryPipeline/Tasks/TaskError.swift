/// A task's failure, classified so the engine knows whether to quarantine or retry.
public enum TaskError: Error, CustomStringConvertible, Sendable {
    /// The input can never succeed as it is: moved to `failed/<stage>/` with this reason beside it.
    case badInput(String)
    /// Worth retrying later with backoff (network, store in maintenance, a busy lock).
    case transient(String)
    /// Thrown by a commit hook: a commit made while the task ran changed what the task read. The engine undoes
    /// the commit and runs the file again at once; it is not a failure.
    case conflict(String)

    public var description: String {
        switch self {
        case .badInput(let reason), .transient(let reason), .conflict(let reason): reason
        }
    }
}

/// Errors that know whether they are worth a retry. The engine asks this of any error a task throws;
/// an error that does not conform is retried a bounded number of times, then quarantined.
public protocol RetryClassifying: Error {
    /// True for network faults, timeouts, a store in maintenance; false for bad data.
    var isTransient: Bool { get }
}

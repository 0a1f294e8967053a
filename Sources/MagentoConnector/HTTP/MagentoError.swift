public import FerryValues
public import Foundation

/// A Magento call failed: says which call, what Magento said (parameters substituted) and what to do.
///
/// Never carries the token or any secret: only the method, the path (no query) and Magento's message.
public struct MagentoError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public enum Code: Sendable, Equatable {
        /// Magento answered with an HTTP error status.
        case http
        /// No answer: connection refused or dropped, a timeout, a stalled body.
        case transport
        /// The store answered 503 with its maintenance page ("Service Temporarily Unavailable"): no code ran.
        case maintenance
        /// The answer was not the JSON expected.
        case invalidResponse
        /// The secrets could not be read (a missing credential file or variable): nothing was sent.
        case credentials
        /// A call whose effect is not known yet (a comment posted with no sure answer, which the store may still
        /// be working on): not repeated until the store has had time to finish it.
        case undecided
    }

    public let code: Code
    /// The HTTP status, if there was an answer.
    public let status: Int?
    public let method: String
    /// The path called, e.g. `/rest/default/V1/orders/12/comments` (no query string).
    public let path: String
    /// Magento's message with `%1` / `%name` substituted, or the transport failure.
    public let message: String
    /// The `errors[]` messages of a validation failure, substituted.
    public let details: [String]

    /// Creates an error.
    public init(code: Code, status: Int?, method: String, path: String, message: String, details: [String] = []) {
        self.code = code
        self.status = status
        self.method = method
        self.path = path
        self.message = message
        self.details = details
    }

    /// A long task stopped at a safe point because ferry is shutting down (its task was cancelled): transient, so
    /// the file stays claimed and the rest is done after the restart; what was done is in the ledgers.
    public static func stopped(_ what: String) -> MagentoError {
        MagentoError(
            code: .transport, status: nil, method: "", path: what,
            message: "stopped at a safe point: ferry is shutting down; the rest follows after the restart")
    }

    /// True when the error is ``stopped(_:)``'s.
    public var isStop: Bool { code == .transport && method.isEmpty }

    /// True for faults worth retrying later: no answer, maintenance, 429 and 5xx.
    public var isTransient: Bool {
        switch code {
        case .transport, .maintenance, .credentials, .undecided: true
        case .invalidResponse: false
        case .http: status.map { $0 == 429 || $0 >= 500 } ?? false
        }
    }

    public var description: String {
        let what = "\(method) \(path)"
        var text: String
        switch code {
        case .maintenance:
            text = "\(what): store in maintenance mode (HTTP 503); ferry retries later. "
                + "Ask the store admin when `bin/magento maintenance:disable` runs."
        case .transport where isStop:
            text = "\(path): \(message)"
        case .transport:
            text = "\(what): no answer from the store: \(message). Check the base URL, the network and the store."
        case .credentials:
            text = "\(what): not sent, no Magento credentials: \(message); ferry retries once they are readable"
        case .undecided:
            text = "\(what): \(message)"
        case .invalidResponse:
            text = "\(what): unexpected answer (HTTP \(status.map(String.init) ?? "?")): \(message)"
        case .http:
            text = "\(what): HTTP \(status ?? 0): \(message)"
            if !details.isEmpty { text += " (" + details.joined(separator: "; ") + ")" }
            switch status {
            case 401: text += ". Check the integration's token and its API resources (System > Integrations)."
            case 404 where path.contains("/V1/"): break
            default: break
            }
        }
        return text
    }

    /// Substitutes Magento's `%1` (positional, 1-based) and `%name` parameters in a phrase.
    public static func substitute(_ phrase: String, parameters: JSONValue?) -> String {
        var result = phrase
        switch parameters {
        case .array(let values)?:
            // Highest index first so %10 is not eaten by %1.
            for (i, value) in values.enumerated().reversed() {
                result = result.replacingOccurrences(of: "%\(i + 1)", with: value.text ?? value.serialized)
            }
        case .object(let members)?:
            for key in members.keys.sorted(by: { $0.count > $1.count }) {
                let value = members[key]!
                result = result.replacingOccurrences(of: "%\(key)", with: value.text ?? value.serialized)
            }
        default: break
        }
        return result
    }
}

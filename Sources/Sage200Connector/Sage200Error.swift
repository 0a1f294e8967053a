import Foundation

/// A Sage 200 call or its authentication failed: says which call, what Sage said and what to do.
///
/// Never carries a token, a secret or a query string: only the method, the path and Sage's message.
public struct Sage200Error: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public enum Code: Sendable, Equatable {
        /// Sage answered with an HTTP error status.
        case http
        /// No answer: connection refused or dropped, a timeout.
        case transport
        /// The answer was not the JSON expected.
        case invalidResponse
        /// The refresh token is gone (expired, revoked, rotated away): someone must authorize ferry again.
        case reauthorize
        /// A fresh token was refused: the X-Site / X-Company pair is wrong or the Sage user has no access to it.
        case siteAccess
        /// The configuration is incomplete (client id, site, token file).
        case configuration
        /// A POST got no clear answer and Sage does not show its record yet: the server behind the gateway may still
        /// be creating it, so nothing is sent again before ``Sage200OrderImporter/undecidedSeconds`` have passed.
        case undecided
    }

    /// The kind.
    public let code: Code
    /// The HTTP status, if there was an answer.
    public let status: Int?
    /// `GET`, `POST`; empty for configuration errors.
    public let method: String
    /// The path called, e.g. `/sop_orders` (no query string).
    public let path: String
    /// Sage's message, or what went wrong.
    public let message: String

    /// Creates an error.
    public init(code: Code, status: Int? = nil, method: String = "", path: String = "", message: String) {
        self.code = code
        self.status = status
        self.method = method
        self.path = path
        self.message = message
    }

    /// True for faults worth retrying later: no answer, 429, 5xx, and a POST still undecided.
    public var isTransient: Bool {
        switch code {
        case .transport, .undecided: true
        case .http: status.map { $0 == 429 || $0 >= 500 } ?? false
        default: false
        }
    }

    public var description: String {
        let what = method.isEmpty ? "Sage 200" : "Sage 200 \(method) \(path)"
        switch code {
        case .http: return "\(what): HTTP \(status ?? 0): \(message)"
        case .transport: return "\(what): no answer: \(message). Check connections.sage200.apiUrl and the network; ferry retries."
        case .invalidResponse: return "\(what): unexpected answer (HTTP \(status.map(String.init) ?? "?")): \(message)"
        case .reauthorize:
            return "\(what): \(message). Authorize ferry again: run `ferry sage200 authorize --config <config.json>` and sign in with the Sage ID that has API access"
        case .siteAccess:
            return "\(what): HTTP 401 with a fresh token: the X-Site/X-Company pair (connections.sage200.site / .company) is wrong or the Sage user has no access to that company. Run `ferry sage200 sites --config <config.json>` to list what the user may use"
        case .configuration, .undecided: return "\(what): \(message)"
        }
    }
}

public import CoreMetrics
import FerryCurl
public import FerryValues
public import Foundation
public import Logging

/// How ferry authenticates to Magento.
public enum MagentoAuth: Sendable {
    /// `Authorization: Bearer <token>`: an admin token, or an integration token where bearer use is enabled.
    case bearer(String)
    /// OAuth 1.0a request signing with the integration's four credentials.
    case oauth1(OAuth1Credentials)
    /// Read when a call is made (see ``MagentoConnectionSettings/configuration(environment:resolve:locateCredentials:onSecrets:)``).
    case deferred(@Sendable () throws -> MagentoAuth)
}

extension RetryPolicy {
    /// The HTTP clients' backoff: `maxAttempts` calls, 0.5 s doubling to 30 s, each wait between its half and
    /// itself; a `Retry-After` is honoured up to 30 s.
    public static func requests(maxAttempts: Int = 5) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initial: .milliseconds(500), maximum: .seconds(30))
    }
}

/// Where and how to reach a Magento store.
public struct MagentoConfiguration: Sendable {
    /// The store's base URL, e.g. `https://shop.example.com` (no `/rest`).
    public var baseURL: String
    /// The store code in `/rest/<store>/V1` (default `default`).
    public var storeCode: String
    public var auth: MagentoAuth
    public var http: HTTPClientOptions
    public var retry: RetryPolicy

    /// Creates a configuration.
    public init(
        baseURL: String, storeCode: String = "default", auth: MagentoAuth, http: HTTPClientOptions = .init(),
        retry: RetryPolicy = .requests()
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.storeCode = storeCode
        self.auth = auth
        self.http = http
        self.retry = retry
    }
}

/// A Magento 2 REST client over libcurl: authentication, retries, Magento's error bodies.
public final class MagentoClient: Sendable {
    public let configuration: MagentoConfiguration
    private let pool = CurlPool()
    private let logger: Logger
    private let metrics: any MetricsFactory

    /// Creates a client.
    /// - Parameter metrics: where each attempt is recorded (``MagentoRequestMetrics``); by default the backend the
    ///   process bootstrapped (none: nothing is kept).
    public init(
        configuration: MagentoConfiguration, logger: Logger = Logger(label: "ferry.magento"),
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    /// The path prefix of every call: `/rest/<store>/V1`.
    public var restPrefix: String { "/rest/\(configuration.storeCode)/V1" }

    /// Encodes a query string (RFC 3986: brackets become %5B/%5D, which PHP decodes).
    public static func queryString(_ items: [(String, String)]) -> String {
        items.map { OAuth1Signer.percentEncode($0.0) + "=" + OAuth1Signer.percentEncode($0.1) }
            .joined(separator: "&")
    }

    /// Calls the REST API and returns the parsed JSON answer.
    ///
    /// - Parameters:
    ///   - method: GET, POST, PUT, DELETE.
    ///   - path: after `/V1`, already escaped, e.g. `/orders/12/comments`.
    ///   - query: query parameters (unescaped).
    ///   - body: the JSON body.
    ///   - idempotent: false for calls whose repetition would repeat an effect (posting a comment): those are only
    ///     retried when the store surely did not act (connection refused, 429, 503), never after a dropped answer.
    /// - Throws: ``MagentoError``.
    public func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        idempotent: Bool = true
    ) async throws(MagentoError) -> JSONValue {
        let response = try await answer(method, path, query: query, body: body, idempotent: idempotent)
        return try Self.parse(response.body, status: response.status, method: method, path: restPrefix + path)
    }

    /// An answer's JSON; a text that is not JSON is an invalid response (never retried: the store answered).
    static func parse(_ body: Data, status: Int, method: String, path: String) throws(MagentoError) -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw MagentoError(code: .invalidResponse, status: status, method: method, path: path, message: "\(error)")
        }
    }

    /// Calls the REST API as ``send(_:_:query:body:idempotent:)`` does and returns the successful answer
    /// unparsed, for a caller that reads it in steps (``MagentoClient/searchOrderPage(_:)``).
    func answer(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        idempotent: Bool = true
    ) async throws(MagentoError) -> HTTPResponse {
        let fullPath = restPrefix + path
        var url = configuration.baseURL + fullPath
        if !query.isEmpty { url += "?" + Self.queryString(query) }
        let policy = configuration.retry
        var attempt = 0
        let auth = try configuration.auth.resolved(method: method, path: fullPath)
        while true {
            attempt += 1
            var headers: [(name: String, value: String)] = [("Accept", "application/json")]
            switch auth {
            case .bearer(let token): headers.append(("Authorization", "Bearer \(token)"))
            case .oauth1(let credentials):
                headers.append(
                    ("Authorization", OAuth1Signer(credentials: credentials).authorizationHeader(method: method, url: url)))
            case .deferred: break  // resolved above
            }
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let request = HTTPRequest(method: method, url: url, headers: headers, body: body?.data, idempotent: idempotent)

            let outcome: Result<HTTPResponse, MagentoError>
            var retryAfter: Duration?
            var retryable: Bool
            let started = ContinuousClock.now
            var status: Int?
            do {
                let response = try await pool.perform(request, options: configuration.http)
                status = response.status
                if (200..<300).contains(response.status) {
                    report(method, status, since: started, willRetry: false)
                    return response
                }
                let error = Self.error(from: response, method: method, path: fullPath)
                retryAfter = RetryPolicy.retryAfter(response.headers["retry-after"])
                retryable = [429, 500, 502, 503, 504].contains(response.status)
                // Only what surely did not run: a 429, or Magento's maintenance page (no code ran). Another 503 is
                // a gateway's that may have given up on a call still running (Varnish "Backend fetch failed",
                // Fastly "first byte timeout").
                if !idempotent { retryable = response.status == 429 || error.code == .maintenance }
                outcome = .failure(error)
            } catch let error as MagentoError {
                throw error
            } catch let error as CurlTransportError {
                retryable = idempotent || error.neverSent
                outcome = .failure(
                    MagentoError(code: .transport, status: nil, method: method, path: fullPath, message: error.message))
            } catch {
                retryable = false
                outcome = .failure(
                    MagentoError(code: .transport, status: nil, method: method, path: fullPath, message: "\(error)"))
            }
            guard case .failure(let error) = outcome else { continue }
            let willRetry = retryable && attempt < policy.maxAttempts && !Task.isCancelled
            report(method, status, since: started, willRetry: willRetry)
            guard willRetry else { throw error }
            let delay = policy.delay(attempt: attempt, retryAfter: retryAfter)
            logger.warning(
                "Magento call failed, retrying",
                metadata: [
                    "ferry.endpoint": "\(method) \(fullPath)", "ferry.attempt": "\(attempt)",
                    "ferry.error": "\(error)", "ferry.delay": .stringConvertible(delay),
                ])
            do { try await Task.sleep(for: delay) } catch { throw error_cancelled(method, fullPath) }
        }
    }

    /// Records one attempt (latency, errors, retries) through swift-metrics: ``MagentoRequestMetrics``.
    private func report(_ method: String, _ status: Int?, since started: ContinuousClock.Instant, willRetry: Bool) {
        MagentoRequestMetrics.record(
            method: method, status: status, elapsed: ContinuousClock.now - started, willRetry: willRetry, factory: metrics)
    }

    private func error_cancelled(_ method: String, _ path: String) -> MagentoError {
        MagentoError(code: .transport, status: nil, method: method, path: path, message: "cancelled")
    }

    /// Turns an error response into a ``MagentoError`` with Magento's parameters substituted.
    static func error(from response: HTTPResponse, method: String, path: String) -> MagentoError {
        if let json = try? JSONValue.parse(response.body), let phrase = json["message"]?.text {
            let message = MagentoError.substitute(phrase, parameters: json["parameters"])
            let details = (json["errors"]?.array ?? []).compactMap { item -> String? in
                guard let text = item["message"]?.text else { return nil }
                return MagentoError.substitute(text, parameters: item["parameters"])
            }
            return MagentoError(
                code: .http, status: response.status, method: method, path: path, message: message, details: details)
        }
        let text = String(decoding: response.body, as: UTF8.self)
        // Magento's maintenance page (pub/errors/default/503.phtml) and nginx's own 503 page share this heading.
        // A gateway's 503 (Varnish, Fastly) says something else and stays an HTTP error: its call may still run.
        if response.status == 503, text.contains("Service Temporarily Unavailable") {
            return MagentoError(
                code: .maintenance, status: 503, method: method, path: path, message: "store in maintenance mode")
        }
        // An HTML error page says what it is in its title ("503 Backend fetch failed"), not in its first bytes.
        var snippet = String(text.prefix(200))
        if let open = text.range(of: "<title>"), let close = text.range(of: "</title>", range: open.upperBound..<text.endIndex) {
            snippet = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return MagentoError(code: .http, status: response.status, method: method, path: path, message: snippet)
    }
}

import FerryCurl
import FerryValues
import Foundation
public import Logging
public import MagentoConnector
import Synchronization

/// One entry of `GET /sites`.
public struct Sage200Site: Sendable, Hashable {
    /// `site_id` (X-Site).
    public var siteId: String
    /// `site_name`.
    public var siteName: String
    /// `company_id` (X-Company).
    public var companyId: Int
    /// `company_name`.
    public var companyName: String
}

/// A Sage 200 REST client over the shared libcurl pool: Sage ID tokens, the X-Site/X-Company headers found by
/// name or id, OData paging in a stable order, and backoff on 429/5xx honouring `Retry-After`.
public final class Sage200Client: Sendable {
    /// The configuration.
    public let configuration: Sage200Configuration
    /// The token source.
    public let authenticator: Sage200Authenticator
    private let pool = CurlPool()
    private let logger: Logger
    private let resolvedSite = Mutex<Sage200Site?>(nil)

    /// The page size ferry asks for: Sage's default of 500 cuts off silently, so ferry always says `$top`.
    public static let pageSize = 500

    /// Creates a client.
    public init(configuration: Sage200Configuration, authenticator: Sage200Authenticator, logger: Logger = Logger(label: "ferry.sage200")) {
        self.configuration = configuration
        self.authenticator = authenticator
        self.logger = logger
    }

    /// Quotes a text for `$filter`: `'` doubled, as OData wants.
    public static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The sites and companies the signed-in Sage user may use.
    public func sites() async throws(Sage200Error) -> [Sage200Site] {
        let answer = try await send("GET", "/sites")
        return (answer.array ?? []).compactMap { site in
            guard let id = site["site_id"]?.text, let company = site["company_id"]?.int else { return nil }
            return Sage200Site(
                siteId: id, siteName: site["site_name"]?.text ?? "", companyId: company,
                companyName: site["company_name"]?.text ?? "")
        }
    }

    /// The configured site and company, found in `GET /sites` by id or name (once per client).
    /// - Throws: ``Sage200Error`` (configuration) listing what the user may use when the pair is not there.
    public func site() async throws(Sage200Error) -> Sage200Site {
        if let site = resolvedSite.withLock({ $0 }) { return site }
        let sites = try await sites()
        let wantSite = configuration.site.lowercased()
        let wantCompany = configuration.company.lowercased()
        guard let match = sites.first(where: {
            ($0.siteId.lowercased() == wantSite || $0.siteName.lowercased() == wantSite)
                && (String($0.companyId) == wantCompany || $0.companyName.lowercased() == wantCompany)
        }) else {
            let known = sites.map { "\($0.siteName) (\($0.siteId)) / \($0.companyName) (\($0.companyId))" }
            let list = known.isEmpty
                ? "none: for Sage 200 Professional, check the site's API registration (an empty list usually means it was lost)"
                : known.joined(separator: "; ")
            throw Sage200Error(
                code: .configuration, method: "GET", path: "/sites",
                message: "site '\(configuration.site)' with company '\(configuration.company)' is not among the sites this Sage user may use: \(list). Fix connections.sage200.site / .company")
        }
        resolvedSite.withLock { $0 = match }
        return match
    }

    /// The product members ferry reads, with those the schema requires (a `$select` answer still has to be a valid
    /// `product`).
    static let productFields = "id,code,name,product_group_id,allow_sales_order"

    /// Every record of a collection, in pages of ``pageSize`` ordered by `orderBy` (which must end in a unique field).
    public func getAll(
        _ path: String, filter: String? = nil, orderBy: String = "id asc", select: String? = nil,
        pageSize: Int = Sage200Client.pageSize
    ) async throws(Sage200Error) -> [JSONValue] {
        var all: [JSONValue] = []
        while true {
            var query: [(String, String)] = [("$orderby", orderBy), ("$top", String(pageSize)), ("$skip", String(all.count))]
            if let filter { query.append(("$filter", filter)) }
            if let select { query.append(("$select", select)) }
            let page = try await send("GET", path, query: query).array ?? []
            all += page
            if page.count < pageSize { return all }
        }
    }

    /// Calls the API and returns the parsed JSON answer.
    ///
    /// - Parameters:
    ///   - path: after the API base, e.g. `/sop_orders`.
    ///   - idempotent: false for a POST that creates something: it is then retried only when Sage surely did not
    ///     act (429, a 401 before a refresh, no connection), never after a lost answer or a 5xx.
    /// - Throws: ``Sage200Error``.
    public func send(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, idempotent: Bool = true
    ) async throws(Sage200Error) -> JSONValue {
        var site: Sage200Site?
        if path != "/sites" { site = try await self.site() }
        var url = configuration.apiURL + path
        if !query.isEmpty { url += "?" + MagentoClient.queryString(query) }
        let policy = configuration.retry
        var attempt = 0
        var refreshedAfter401 = false
        while true {
            attempt += 1
            let token: String
            let fresh: Bool
            do { (token, fresh) = try await authenticator.accessToken() } catch let error as Sage200Error {
                throw error
            } catch {
                throw Sage200Error(code: .configuration, message: "\(error)")
            }
            var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("Authorization", "Bearer \(token)")]
            if let site {
                headers += [("X-Site", site.siteId), ("X-Company", String(site.companyId))]
            }
            if let key = configuration.subscriptionKey { headers.append(("Ocp-Apim-Subscription-Key", key)) }
            if body != nil { headers.append(("Content-Type", "application/json")) }
            // Not idempotent: a connection of its own, so libcurl never sends it again by itself (``HTTPRequest/idempotent``).
            let request = HTTPRequest(method: method, url: url, headers: headers, body: body?.data, idempotent: idempotent)

            let failure: Sage200Error
            var retryable: Bool
            var retryAfter: Duration?
            do {
                let response = try await pool.perform(request, options: configuration.http)
                if (200..<300).contains(response.status) {
                    do { return try JSONValue.parse(response.body) } catch {
                        throw Sage200Error(
                            code: .invalidResponse, status: response.status, method: method, path: path, message: "\(error)")
                    }
                }
                if response.status == 401 {
                    // A 401 with a token just refreshed is not the token: the site/company pair or the user's access.
                    if fresh || refreshedAfter401 {
                        throw Sage200Error(code: path == "/sites" ? .reauthorize : .siteAccess, status: 401, method: method, path: path, message: "Authorization has been denied for this request")
                    }
                    await authenticator.rejected(token)
                    refreshedAfter401 = true
                    attempt -= 1
                    continue
                }
                let text = String(decoding: response.body.prefix(500), as: UTF8.self)
                let message = (try? JSONValue.parse(response.body))?["Message"]?.text ?? text
                failure = Sage200Error(code: .http, status: response.status, method: method, path: path, message: message)
                retryAfter = RetryPolicy.retryAfter(response.headers["retry-after"])
                retryable = idempotent ? [429, 500, 502, 503, 504].contains(response.status) : response.status == 429
            } catch let error as Sage200Error {
                throw error
            } catch let error as CurlTransportError {
                failure = Sage200Error(code: .transport, method: method, path: path, message: error.message)
                retryable = idempotent || error.neverSent
            } catch {
                throw Sage200Error(code: .transport, method: method, path: path, message: "\(error)")
            }
            guard retryable, attempt < policy.maxAttempts, !Task.isCancelled else { throw failure }
            // Sage's Retry-After wins (capped); otherwise exponential with jitter.
            let delay = policy.delay(attempt: attempt, retryAfter: retryAfter)
            logger.warning(
                "Sage 200 call failed, retrying",
                metadata: [
                    "ferry.endpoint": "\(method) \(path)", "ferry.attempt": "\(attempt)", "ferry.error": "\(failure)",
                    "ferry.delay": "\(delay)",
                ])
            do { try await Task.sleep(for: delay) } catch { throw failure }
        }
    }
}

public import FerryPipeline
public import FerryValues
public import Foundation
public import MagentoConnector

/// config.json's `connections.sage200` block: where the API and Sage ID are, the OAuth client, the site and company.
///
/// Secrets (the client secret, the optional subscription key) are references (`${VAR}`, `credential:NAME`,
/// `file:/path`), never values; the refresh token lives in ``tokenFile``, written by `ferry sage200 authorize`.
public struct Sage200ConnectionSettings: Sendable, Decodable {
    /// The API base, e.g. `https://api.columbus.sage.com/uk/sage200/accounts/v1` (`sage200extra` for Professional).
    public var apiUrl: String?
    /// Sage ID, e.g. `https://id.sage.com`: `/authorize` and `/oauth/token` are under it.
    public var authUrl: String?
    /// The client id from Sage's API credentials request.
    public var clientId: String?
    /// Where the client secret comes from.
    public var clientSecret: SecretReference?
    /// A redirect URL registered with the client (the code comes back on it).
    public var redirectUri: String?
    /// The site: its `site_id` or its `site_name` from `GET /sites`.
    public var site: String?
    /// The company: its `company_id` or `company_name`.
    public var company: String?
    /// `Ocp-Apim-Subscription-Key`, for sites that still want it (Sage dropped it in August 2025).
    public var subscriptionKey: SecretReference?
    /// The token file, relative to the config's folder; default `state/sage200-token.json`.
    public var tokenFile: String?
    /// Days the refresh token chain lives (chosen on Sage's form), default 90.
    public var refreshTokenDays: Double?
    /// Warn this many days before the refresh token expires, default 14.
    public var warnDaysBefore: Double?
    /// Seconds a request may take, default 60.
    public var timeoutSeconds: Double?
    /// Attempts per call on 429/5xx/no answer, default 6.
    public var maxAttempts: Int?

    /// Every key of the block.
    public static let keys: Set<String> = [
        "apiUrl", "authUrl", "clientId", "clientSecret", "redirectUri", "site", "company", "subscriptionKey",
        "tokenFile", "refreshTokenDays", "warnDaysBefore", "timeoutSeconds", "maxAttempts",
    ]

    /// Creates empty settings.
    public init() {}

    /// The authentication part, reading the client secret.
    /// - Throws: ``Sage200Error`` (configuration) naming the key, never the secret.
    public func authConfiguration(resolve: (String) -> URL) throws -> Sage200AuthConfiguration {
        guard let clientId, !clientId.isEmpty else { throw missing("clientId", "the client id Sage issued") }
        guard let clientSecret else { throw missing("clientSecret", "e.g. \"${SAGE200_CLIENT_SECRET}\"") }
        let secret: String
        do { secret = try clientSecret.resolve() } catch {
            throw Sage200Error(code: .configuration, message: "connections.sage200.clientSecret: \(error)")
        }
        guard let authUrl, URL(string: authUrl) != nil else { throw missing("authUrl", "e.g. \"https://id.sage.com\"") }
        return Sage200AuthConfiguration(
            authURL: authUrl.hasSuffix("/") ? String(authUrl.dropLast()) : authUrl, clientId: clientId,
            clientSecret: secret, redirectURI: redirectUri ?? "",
            tokenFile: resolve(tokenFile ?? "state/sage200-token.json"),
            refreshTokenDays: refreshTokenDays ?? 90, warnDaysBefore: warnDaysBefore ?? 14,
            http: HTTPClientOptions(requestTimeout: timeoutSeconds ?? 60))
    }

    /// The API part.
    /// - Throws: ``Sage200Error`` (configuration) naming the key.
    public func apiConfiguration() throws -> Sage200Configuration {
        guard let apiUrl, URL(string: apiUrl) != nil else {
            throw missing("apiUrl", "e.g. \"https://api.columbus.sage.com/uk/sage200/accounts/v1\"")
        }
        guard let site, !site.isEmpty else { throw missing("site", "the site_id or site_name from `ferry sage200 sites`") }
        guard let company, !company.isEmpty else { throw missing("company", "the company_id or company_name") }
        var key: String?
        if let subscriptionKey {
            do { key = try subscriptionKey.resolve() } catch {
                throw Sage200Error(code: .configuration, message: "connections.sage200.subscriptionKey: \(error)")
            }
        }
        return Sage200Configuration(
            apiURL: apiUrl, site: site, company: company, subscriptionKey: key,
            http: HTTPClientOptions(requestTimeout: timeoutSeconds ?? 60),
            retry: .requests(maxAttempts: maxAttempts ?? 6))
    }

    private func missing(_ key: String, _ hint: String) -> Sage200Error {
        Sage200Error(code: .configuration, message: "connections.sage200.\(key) is missing: set it to \(hint)")
    }
}

/// Where Sage ID is and which OAuth client ferry is.
public struct Sage200AuthConfiguration: Sendable {
    /// Sage ID's base URL (no trailing slash).
    public var authURL: String
    /// The client id.
    public var clientId: String
    /// The client secret (resolved; never logged).
    public var clientSecret: String
    /// The redirect URL registered with the client.
    public var redirectURI: String
    /// The token file.
    public var tokenFile: URL
    /// Days the refresh token chain lives.
    public var refreshTokenDays: Double
    /// Warn this many days before it expires.
    public var warnDaysBefore: Double
    /// Timeouts.
    public var http: HTTPClientOptions

    /// Creates a configuration.
    public init(
        authURL: String, clientId: String, clientSecret: String, redirectURI: String, tokenFile: URL,
        refreshTokenDays: Double = 90, warnDaysBefore: Double = 14, http: HTTPClientOptions = .init(requestTimeout: 60)
    ) {
        self.authURL = authURL
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.redirectURI = redirectURI
        self.tokenFile = tokenFile
        self.refreshTokenDays = refreshTokenDays
        self.warnDaysBefore = warnDaysBefore
        self.http = http
    }

    /// The sign-in URL the operator opens (Sage ID's audience for Sage 200; `offline_access` gives a refresh token).
    public func authorizeURL(state: String) -> String {
        let items: [(String, String)] = [
            ("audience", "s200ukipd/sage200"), ("client_id", clientId), ("response_type", "code"),
            ("redirect_uri", redirectURI), ("scope", "openid profile email offline_access"), ("state", state),
        ]
        return authURL + "/authorize?" + MagentoClient.queryString(items)
    }
}

/// Where the API is and which site and company ferry works in.
public struct Sage200Configuration: Sendable {
    /// The API base (no trailing slash).
    public var apiURL: String
    /// The site's id or name.
    public var site: String
    /// The company's id or name.
    public var company: String
    /// `Ocp-Apim-Subscription-Key`, if the site wants one.
    public var subscriptionKey: String?
    /// Timeouts.
    public var http: HTTPClientOptions
    /// Attempts and backoff on 429, 5xx and no answer.
    public var retry: RetryPolicy

    /// Creates a configuration.
    public init(
        apiURL: String, site: String, company: String, subscriptionKey: String? = nil,
        http: HTTPClientOptions = .init(requestTimeout: 60), retry: RetryPolicy = .requests(maxAttempts: 6)
    ) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.site = site
        self.company = company
        self.subscriptionKey = subscriptionKey
        self.http = http
        self.retry = retry
    }
}

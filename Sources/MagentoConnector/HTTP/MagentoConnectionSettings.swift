public import Foundation

/// The store connection part of every Magento task's settings.
///
/// Secrets never sit in config.json: they come from environment variables (names configurable) or a JSON file
/// (`{"token": ...}` or `{"consumerKey", "consumerSecret", "accessToken", "accessTokenSecret"}`).
public struct MagentoConnectionSettings: Sendable, Codable {
    /// `https://shop.example.com` (required).
    public var baseUrl: String?
    /// Store code in `/rest/<store>/V1`, default `default`.
    public var storeCode: String?
    /// `bearer` (default) or `oauth`.
    public var auth: String?
    /// Environment variable holding the bearer token, default `MAGENTO_TOKEN`.
    public var tokenEnv: String?
    /// JSON file with the secrets (instead of the environment).
    public var credentialsFile: String?
    /// PEM file of extra trusted CAs (a private CA). TLS verification is always on.
    public var caFile: String?
    /// Seconds a request may take, default 120.
    public var timeoutSeconds: Double?
    /// Attempts per call (with backoff), default 5.
    public var maxAttempts: Int?

    /// Creates empty settings (every key at its default).
    public init() {}

    /// The settings keys this struct reads (for ``TaskKind/settingsKeys``).
    public static let keys: Set<String> = [
        "baseUrl", "storeCode", "auth", "tokenEnv", "credentialsFile", "caFile", "timeoutSeconds", "maxAttempts",
    ]

    /// Builds the client configuration, reading secrets.
    /// - Throws: ``MagentoSettingsError`` naming the key and the fix (never a secret's value).
    public func configuration(
        environment: [String: String] = ProcessInfo.processInfo.environment, resolve: (String) -> URL
    ) throws -> MagentoConfiguration {
        guard let baseUrl, let url = URL(string: baseUrl), url.scheme == "https" || url.scheme == "http" else {
            throw MagentoSettingsError(key: "baseUrl", message: "set the store's base URL, e.g. \"https://shop.example.com\"")
        }
        var secrets: [String: String] = [:]
        if let credentialsFile {
            let file = resolve(credentialsFile)
            guard let data = try? Data(contentsOf: file), let json = try? JSONValue.parse(data), let o = json.object else {
                throw MagentoSettingsError(
                    key: "credentialsFile", message: "cannot read JSON credentials from \(file.path): check the path and its permissions")
            }
            for (k, v) in o { if let t = v.text { secrets[k] = t } }
        }
        let auth: MagentoAuth
        switch self.auth ?? "bearer" {
        case "bearer":
            let envName = tokenEnv ?? "MAGENTO_TOKEN"
            guard let token = secrets["token"] ?? environment[envName], !token.isEmpty else {
                throw MagentoSettingsError(
                    key: "tokenEnv", message: "no token: set the environment variable \(envName) or \"token\" in credentialsFile")
            }
            auth = .bearer(token)
        case "oauth":
            let names = [
                ("consumerKey", "MAGENTO_CONSUMER_KEY"), ("consumerSecret", "MAGENTO_CONSUMER_SECRET"),
                ("accessToken", "MAGENTO_ACCESS_TOKEN"), ("accessTokenSecret", "MAGENTO_ACCESS_TOKEN_SECRET"),
            ]
            var values: [String] = []
            for (key, env) in names {
                guard let v = secrets[key] ?? environment[env], !v.isEmpty else {
                    throw MagentoSettingsError(
                        key: "auth", message: "oauth needs \(key): set \(env) or \"\(key)\" in credentialsFile")
                }
                values.append(v)
            }
            auth = .oauth1(
                OAuth1Credentials(
                    consumerKey: values[0], consumerSecret: values[1], accessToken: values[2], accessTokenSecret: values[3]))
        default:
            throw MagentoSettingsError(key: "auth", message: "must be \"bearer\" or \"oauth\"")
        }
        var http = HTTPClientOptions(requestTimeout: timeoutSeconds ?? 120)
        http.caFile = caFile.map { resolve($0).path }
        return MagentoConfiguration(
            baseURL: baseUrl, storeCode: storeCode ?? "default", auth: auth, http: http,
            retry: RetryPolicy(maxAttempts: maxAttempts ?? 5))
    }
}

/// A Magento setting is missing or wrong.
public struct MagentoSettingsError: Error, CustomStringConvertible, Sendable {
    /// The settings key.
    public let key: String
    /// What to do.
    public let message: String
    public var description: String { "\(key): \(message)" }
}

import FerryValues
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

    /// Builds the client configuration. The secrets are read at each call, not here: a systemd credential
    /// (`/run/credentials/ferry.service/`) exists only while the service runs, and operator commands (`status`,
    /// `retry`, `check-config`) build the tasks without ever calling the store.
    ///
    /// - Parameters:
    ///   - environment: where `tokenEnv` and the OAuth variables are looked up.
    ///   - resolve: turns a relative path from the settings (`caFile`) into a file.
    ///   - locateCredentials: turns `credentialsFile` into a file (a `credential:NAME` reference into
    ///     `$CREDENTIALS_DIRECTORY/NAME`); called only when a call needs the secrets.
    ///   - onSecrets: told every secret value once read, before any request carries it (to mask it in logs).
    /// - Throws: ``MagentoSettingsError`` for a setting that is wrong whatever the secrets are (the base URL, `auth`).
    public func configuration(
        environment: [String: String] = ProcessInfo.processInfo.environment, resolve: (String) -> URL,
        locateCredentials: (@Sendable (String) throws -> URL)? = nil,
        onSecrets: @escaping @Sendable ([String]) -> Void = { _ in }
    ) throws -> MagentoConfiguration {
        guard let baseUrl, let url = URL(string: baseUrl), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw MagentoSettingsError(key: "baseUrl", message: "set the store's base URL, e.g. \"https://shop.example.com\"")
        }
        let mode = auth ?? "bearer"
        guard mode == "bearer" || mode == "oauth" else {
            throw MagentoSettingsError(key: "auth", message: "must be \"bearer\" or \"oauth\"")
        }
        var locate: (@Sendable () throws -> URL)?
        if let credentialsFile {
            if let locateCredentials {
                locate = { try locateCredentials(credentialsFile) }
            } else {
                let url = resolve(credentialsFile)
                locate = { url }
            }
        }
        let settings = self
        let deferred = MagentoAuth.deferred { [locate] in
            let auth = try settings.readAuth(mode: mode, environment: environment, credentialsFile: try locate?())
            switch auth {
            case .bearer(let token): onSecrets([token])
            case .oauth1(let credentials): onSecrets([credentials.consumerSecret, credentials.accessToken, credentials.accessTokenSecret])
            case .deferred: break
            }
            return auth
        }
        var http = HTTPClientOptions(requestTimeout: timeoutSeconds ?? 120)
        http.caFile = caFile.map { resolve($0).path }
        return MagentoConfiguration(
            baseURL: baseUrl, storeCode: storeCode ?? "default", auth: deferred, http: http,
            retry: .requests(maxAttempts: maxAttempts ?? 5))
    }

    /// Where the secrets will come from, for `ferry check-config` (never reads them).
    public var credentialSource: String {
        if let credentialsFile {
            if credentialsFile.hasPrefix("credential:") {
                return "the systemd credential \(credentialsFile.dropFirst("credential:".count)) ($CREDENTIALS_DIRECTORY, LoadCredential=)"
            }
            return "the JSON file \(credentialsFile)"
        }
        if auth == "oauth" {
            return "the environment variables MAGENTO_CONSUMER_KEY, MAGENTO_CONSUMER_SECRET, MAGENTO_ACCESS_TOKEN, MAGENTO_ACCESS_TOKEN_SECRET"
        }
        return "the environment variable \(tokenEnv ?? "MAGENTO_TOKEN")"
    }

    /// Reads the secrets from `credentialsFile` or the environment.
    private func readAuth(mode: String, environment: [String: String], credentialsFile file: URL?) throws -> MagentoAuth {
        var secrets: [String: String] = [:]
        if let file {
            guard let data = try? Data(contentsOf: file), let json = try? JSONValue.parse(data), let o = json.object else {
                throw MagentoSettingsError(
                    key: "credentialsFile", message: "cannot read JSON credentials from \(file.path): check the path and its permissions")
            }
            for (k, v) in o { if let t = v.text { secrets[k] = t } }
        }
        if mode == "bearer" {
            let envName = tokenEnv ?? "MAGENTO_TOKEN"
            guard let token = secrets["token"] ?? environment[envName], !token.isEmpty else {
                throw MagentoSettingsError(
                    key: "tokenEnv", message: "no token: set the environment variable \(envName) or \"token\" in credentialsFile")
            }
            return .bearer(token)
        }
        let names = [
            ("consumerKey", "MAGENTO_CONSUMER_KEY"), ("consumerSecret", "MAGENTO_CONSUMER_SECRET"),
            ("accessToken", "MAGENTO_ACCESS_TOKEN"), ("accessTokenSecret", "MAGENTO_ACCESS_TOKEN_SECRET"),
        ]
        var values: [String] = []
        for (key, env) in names {
            guard let v = secrets[key] ?? environment[env], !v.isEmpty else {
                throw MagentoSettingsError(key: "auth", message: "oauth needs \(key): set \(env) or \"\(key)\" in credentialsFile")
            }
            values.append(v)
        }
        return .oauth1(
            OAuth1Credentials(consumerKey: values[0], consumerSecret: values[1], accessToken: values[2], accessTokenSecret: values[3]))
    }
}

extension MagentoAuth {
    /// The credentials to send now: a ``deferred`` one is read (each call, so a rotated secret needs no restart).
    /// - Throws: ``MagentoError`` with code `credentials` (transient: the file stays claimed until they are readable).
    func resolved(method: String, path: String) throws(MagentoError) -> MagentoAuth {
        guard case .deferred(let read) = self else { return self }
        do {
            return try read()
        } catch {
            throw MagentoError(code: .credentials, status: nil, method: method, path: path, message: "\(error)")
        }
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

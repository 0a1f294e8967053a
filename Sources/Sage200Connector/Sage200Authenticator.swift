import FerryCurl
import FerryPipeline
import FerryValues
public import Foundation
public import Logging
import MagentoConnector
import Synchronization

/// Sage ID OAuth 2.0 for a daemon: the authorization code is exchanged once, then the access token is refreshed
/// before it expires, one refresh at a time (refresh tokens rotate: two refreshes at once would kill the chain),
/// and every rotated refresh token is stored durably before the new access token is used.
public actor Sage200Authenticator {
    /// The configuration.
    public let configuration: Sage200AuthConfiguration
    private let file: Sage200TokenFile
    private let pool = CurlPool()
    private let logger: Logger
    private var tokens: Sage200Tokens?
    private var refreshing: Task<Sage200Tokens, any Error>?
    private var lastWarning: Date?
    private var lastNotice: Date?

    /// Refresh when less than this many seconds of the access token remain.
    static let refreshMargin: TimeInterval = 120

    /// Creates an authenticator; the token file is read on first use.
    public init(configuration: Sage200AuthConfiguration, logger: Logger = Logger(label: "ferry.sage200")) {
        self.configuration = configuration
        self.file = Sage200TokenFile(url: configuration.tokenFile)
        self.logger = logger
    }

    /// When the refresh token chain expires, if ferry is authorized.
    public func refreshTokenExpiry() throws -> Date? {
        try loaded()?.authorizedAt.addingTimeInterval(configuration.refreshTokenDays * 86_400)
    }

    /// A valid access token; `fresh` is true when it was obtained by this call (a 401 with it is not the token).
    /// - Throws: ``Sage200Error``: `.reauthorize` when the refresh token is gone, `.transport`/`.http` when Sage ID
    ///   could not be reached (worth retrying).
    public func accessToken() async throws -> (token: String, fresh: Bool) {
        guard let current = try loaded() else {
            throw Sage200Error(
                code: .reauthorize, message: "ferry holds no Sage 200 token (\(configuration.tokenFile.path) is missing)")
        }
        warnIfExpiring(current)
        if current.accessExpiresAt.timeIntervalSinceNow > Self.refreshMargin { return (current.accessToken, false) }
        return (try await refresh(replacing: current.accessToken).accessToken, true)
    }

    /// Sage refused `token` (401): the next ``accessToken()`` refreshes, unless another call already did.
    public func rejected(_ token: String) {
        if tokens?.accessToken == token { tokens?.accessExpiresAt = .distantPast }
    }

    /// Exchanges an authorization code (`ferry sage200 authorize`) and stores the tokens.
    @discardableResult
    public func authorize(code: String) async throws -> Sage200Tokens {
        let now = Date()
        let answer = try await grant([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", configuration.redirectURI),
        ])
        let tokens = try Self.parseTokens(from: answer, authorizedAt: now)
        let file = self.file
        let lock = try await offload { try Sage200TokenLock.acquire(beside: file) }
        defer { lock.release() }
        try await persist(tokens)
        return tokens
    }

    /// Takes tokens another process stored (it refreshed first).
    private func adopt(_ stored: Sage200Tokens) {
        Redaction.register(stored.refreshToken)
        Redaction.register(stored.accessToken)
        tokens = stored
        logger.debug("Sage 200 tokens refreshed by another process adopted", metadata: ["ferry.file": "\(configuration.tokenFile.path)"])
    }

    private func loaded() throws -> Sage200Tokens? {
        if tokens == nil {
            tokens = try file.load()
            if let tokens {
                Redaction.register(tokens.refreshToken)
                Redaction.register(tokens.accessToken)
            }
        }
        return tokens
    }

    /// One refresh at a time: callers arriving while one runs wait for its result.
    private func refresh(replacing accessToken: String) async throws -> Sage200Tokens {
        if let refreshing { return try await refreshing.value }
        if let tokens, tokens.accessToken != accessToken, tokens.accessExpiresAt.timeIntervalSinceNow > Self.refreshMargin {
            return tokens
        }
        guard let current = tokens else { throw Sage200Error(code: .reauthorize, message: "ferry holds no Sage 200 token") }
        let task = Task { () throws -> Sage200Tokens in
            // Another ferry process may refresh the same chain: one refresh at a time across processes too.
            let file = self.file
            let lock = try await offload { try Sage200TokenLock.acquire(beside: file) }
            defer { lock.release() }
            // Under the lock the file is the truth: if another process rotated the tokens meanwhile, its refresh
            // token is the only live one, and its access token may still serve.
            let stored = try await offload { try file.load() } ?? current
            if stored.refreshToken != current.refreshToken, stored.accessToken != accessToken,
                stored.accessExpiresAt.timeIntervalSinceNow > Self.refreshMargin
            {
                await self.adopt(stored)
                return stored
            }
            let expiry = stored.authorizedAt.addingTimeInterval(self.configuration.refreshTokenDays * 86_400)
            let answer: JSONValue
            do {
                answer = try await self.grant([("grant_type", "refresh_token"), ("refresh_token", stored.refreshToken)])
            } catch let error as Sage200Error where error.code == .reauthorize {
                let when = expiry < Date() ? "expired on \(Self.day(expiry))" : "was refused"
                throw Sage200Error(code: .reauthorize, message: "the Sage 200 refresh token \(when) (\(error.message))")
            }
            let next = try Self.parseTokens(from: answer, authorizedAt: stored.authorizedAt)
            // Stored before use: the old refresh token is already dead at Sage.
            try await self.persist(next)
            return next
        }
        refreshing = task
        defer { refreshing = nil }
        return try await task.value
    }

    private func persist(_ next: Sage200Tokens) async throws {
        Redaction.register(next.refreshToken)
        Redaction.register(next.accessToken)
        let file = self.file
        try await offload { try file.save(next) }
        tokens = next
        logger.debug("Sage 200 tokens rotated and stored", metadata: ["ferry.file": "\(configuration.tokenFile.path)"])
    }

    /// POSTs a form to Sage ID's token endpoint.
    private func grant(_ fields: [(String, String)]) async throws -> JSONValue {
        let form = fields + [("client_id", configuration.clientId), ("client_secret", configuration.clientSecret)]
        let request = HTTPRequest(
            method: "POST", url: configuration.authURL + "/oauth/token",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Data(MagentoClient.queryString(form).utf8),
            // A refresh token works once: a grant libcurl sent again by itself would spend the new one's parent and
            // come back `invalid_grant`, so it goes on a connection of its own (``HTTPRequest/idempotent``).
            idempotent: false)
        let response: HTTPResponse
        do { response = try await pool.perform(request, options: configuration.http) } catch let error as CurlTransportError {
            throw Sage200Error(code: .transport, method: "POST", path: "/oauth/token", message: error.message)
        }
        let body = try? JSONValue.parse(response.body)
        guard response.status == 200 else {
            let reason = body?["error"]?.text ?? "HTTP \(response.status)"
            if reason == "invalid_grant" || response.status == 401 || response.status == 403 {
                throw Sage200Error(code: .reauthorize, status: response.status, method: "POST", path: "/oauth/token", message: reason)
            }
            throw Sage200Error(code: .http, status: response.status, method: "POST", path: "/oauth/token", message: reason)
        }
        guard let body else {
            throw Sage200Error(code: .invalidResponse, status: 200, method: "POST", path: "/oauth/token", message: "not JSON")
        }
        return body
    }

    static func parseTokens(from answer: JSONValue, authorizedAt: Date) throws -> Sage200Tokens {
        guard let access = answer["access_token"]?.text, let refresh = answer["refresh_token"]?.text else {
            throw Sage200Error(
                code: .invalidResponse, method: "POST", path: "/oauth/token",
                message: "no access_token or refresh_token (was the offline_access scope granted?)")
        }
        let lifetime = answer["expires_in"]?.decimal.map { NSDecimalNumber(decimal: $0).doubleValue } ?? 300
        return Sage200Tokens(
            refreshToken: refresh, accessToken: access, accessExpiresAt: Date().addingTimeInterval(lifetime),
            authorizedAt: authorizedAt)
    }

    /// Warns once an hour while the refresh token is within `warnDaysBefore` days of its end.
    private func warnIfExpiring(_ tokens: Sage200Tokens) {
        guard let message = expiryMessage(tokens), lastWarning.map({ -$0.timeIntervalSinceNow > 3_600 }) ?? true else { return }
        lastWarning = Date()
        logger.warning("\(message)", metadata: ["ferry.alert": "sage200.token-expiring"])
    }

    /// What to say while the refresh token is within `warnDaysBefore` days of its end; nil before that.
    private func expiryMessage(_ tokens: Sage200Tokens) -> String? {
        let expiry = tokens.authorizedAt.addingTimeInterval(configuration.refreshTokenDays * 86_400)
        let left = expiry.timeIntervalSinceNow / 86_400
        guard left < configuration.warnDaysBefore else { return nil }
        return "the Sage 200 refresh token expires on \(Self.day(expiry)) (\(max(0, Int(left))) days): run "
            + "`ferry sage200 authorize --config <config.json>` before then, or orders stop reaching Sage"
    }

    /// The expiry warning for the alert channels, at most once a day per process (the log has it hourly): nil
    /// unless the refresh token ends within `warnDaysBefore` days and no notice was given in the last 24 hours.
    public func expiryNotice() -> String? {
        guard let tokens = try? loaded(), let message = expiryMessage(tokens),
            lastNotice.map({ -$0.timeIntervalSinceNow > 86_400 }) ?? true
        else { return nil }
        lastNotice = Date()
        return message
    }

    /// The day of `date` (`2026-11-30`), for messages.
    public static func day(_ date: Date) -> String { String(ISO8601DateFormatter().string(from: date).prefix(10)) }
}

/// One authenticator per token file in a process: two would refresh the same rotating token at once and the
/// loser's refresh token would be dead. Every stage (and command) gets its authenticator here.
public enum Sage200Authenticators {
    private static let shared = Mutex<[String: Sage200Authenticator]>([:])

    /// The process's authenticator for `configuration.tokenFile`, created on first use.
    public static func shared(_ configuration: Sage200AuthConfiguration, logger: Logger) -> Sage200Authenticator {
        shared.withLock { all in
            if let existing = all[configuration.tokenFile.path] { return existing }
            let made = Sage200Authenticator(configuration: configuration, logger: logger)
            all[configuration.tokenFile.path] = made
            return made
        }
    }
}

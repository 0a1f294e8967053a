public import FerryPipeline
import FerryValues
public import Foundation

/// The `metrics` and `alerts` sections of config.json, validated.
///
/// ```json
/// "metrics": {"textfile": "state/ferry.prom"},
/// "alerts": {
///   "email": {"server": "smtp.example.com", "port": 587, "starttls": true, "from": "ferry@example.com",
///             "to": ["ops@example.com"], "username": "ferry", "password": "credential:smtp-password"},
///   "webhook": {"url": "https://hooks.example.com/ferry", "bearer": "${FERRY_WEBHOOK_TOKEN}"}
/// }
/// ```
public struct ObservabilitySettings: Sendable {
    /// Every key read in the `metrics` and `alerts` sections, by section; docs/configuration.md documents
    /// exactly these (a test keeps the two in step).
    public static let schema: [String: Set<String>] = [
        "metrics": ["textfile", "$comment"],
        "alerts": ["email", "webhook", "$comment"],
        "alerts.email": [
            "server", "port", "starttls", "from", "to", "username", "password", "caFile", "timeoutSeconds", "$comment",
        ],
        "alerts.webhook": ["url", "bearer", "caFile", "timeoutSeconds", "$comment"],
    ]

    /// Where the Prometheus text file goes; nil when there is no `metrics` section.
    public var metricsFile: URL?
    /// How alerts are sent; nil when there is no `alerts` section.
    public var alerts: AlertSettings?

    /// Reads the sections from a loaded config.
    /// - Throws: ``ObservabilityConfigError`` listing every problem with its JSON path and the fix.
    public init(config: FerryConfig) throws {
        var reader = ConfigReader()
        self = Self.read(config: config, into: &reader)
        if reader.problems.contains(where: { !$0.isWarning }) {
            throw ObservabilityConfigError(file: config.file.path, problems: reader.problems)
        }
    }

    /// Every problem of the `metrics` and `alerts` sections, warnings included (for `ferry check-config`).
    public static func problems(in config: FerryConfig) -> [ConfigProblem] {
        var reader = ConfigReader()
        _ = read(config: config, into: &reader)
        return reader.problems
    }

    /// Where each alert secret will come from, for `ferry check-config`; none is read.
    public static func secretSources(in config: FerryConfig) -> [String] {
        var reader = ConfigReader()
        let alerts = read(config: config, into: &reader).alerts
        let references = [("alerts.email.password", alerts?.email?.password), ("alerts.webhook.bearer", alerts?.webhook?.bearer)]
        return references.compactMap { key, reference in reference.map { "\(key): from \($0.source), read at each send" } }
    }

    private init(metricsFile: URL?, alerts: AlertSettings?) {
        self.metricsFile = metricsFile
        self.alerts = alerts
    }

    private static func read(config: FerryConfig, into reader: inout ConfigReader) -> ObservabilitySettings {
        var metricsFile: URL?
        if let metrics = reader.section(config.sections["metrics"], at: "metrics") {
            reader.rejectUnknown(metrics, allowed: ObservabilitySettings.schema["metrics"]!, at: "metrics")
            let path = reader.nonEmptyString(metrics, "textfile", at: "metrics") ?? "state/ferry.prom"
            if !path.hasSuffix(".prom") {
                // node_exporter's textfile collector reads only *.prom files.
                reader.problem("metrics.textfile", "'\(path)' must end in .prom, or node_exporter's textfile collector will not read it")
            }
            metricsFile = ConfigLoader.resolve(path, against: config.root)
        }
        var alerts: AlertSettings?
        if let object = reader.section(config.sections["alerts"], at: "alerts") {
            reader.rejectUnknown(object, allowed: ObservabilitySettings.schema["alerts"]!, at: "alerts")
            var email: EmailSettings?
            if let section = reader.object(object, "email", at: "alerts") { email = EmailSettings.read(section, reader: &reader) }
            var webhook: WebhookSettings?
            if let section = reader.object(object, "webhook", at: "alerts") { webhook = WebhookSettings.read(section, reader: &reader) }
            if object["email"] == nil && object["webhook"] == nil {
                reader.problem("alerts", "has neither \"email\" nor \"webhook\": add one, or remove the alerts section")
            }
            alerts = AlertSettings(email: email, webhook: webhook)
        }
        return ObservabilitySettings(metricsFile: metricsFile, alerts: alerts)
    }
}

/// The `metrics` or `alerts` section of config.json has errors; ``problems`` lists all of them (warnings too).
///
/// Printed like the engine's `ConfigError`, so `ferry check-config` output reads the same.
public struct ObservabilityConfigError: Error, CustomStringConvertible, Sendable {
    /// The config file.
    public let file: String
    /// Every problem found, with its JSON path and the fix.
    public let problems: [ConfigProblem]

    public var description: String {
        "\(file) is not valid:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// Where alerts go: email, a webhook, or both.
public struct AlertSettings: Sendable {
    /// The email channel, if configured.
    public var email: EmailSettings?
    /// The webhook channel, if configured.
    public var webhook: WebhookSettings?

    /// Creates settings.
    public init(email: EmailSettings?, webhook: WebhookSettings?) {
        self.email = email
        self.webhook = webhook
    }
}

/// Sending alert mail through an SMTP server (libcurl).
public struct EmailSettings: Sendable {
    /// The SMTP server's host name.
    public var server: String
    /// The port (default 587; 465 means TLS from the first byte, "smtps").
    public var port: Int
    /// Require STARTTLS before authenticating (default true); false only for a local relay.
    public var starttls: Bool
    /// The envelope and header sender.
    public var from: String
    /// The recipients.
    public var to: [String]
    /// The SMTP user, if the server wants authentication.
    public var username: String?
    /// The SMTP password, as a reference (never the secret in the config).
    public var password: SecretReference?
    /// A PEM bundle of extra trusted CAs for a private CA.
    public var caFile: String?
    /// Seconds the whole exchange may take (default 30).
    public var timeoutSeconds: Int

    /// Creates settings.
    public init(
        server: String, port: Int = 587, starttls: Bool = true, from: String, to: [String], username: String? = nil,
        password: SecretReference? = nil, caFile: String? = nil, timeoutSeconds: Int = 30
    ) {
        self.server = server
        self.port = port
        self.starttls = starttls
        self.from = from
        self.to = to
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    static func read(_ object: [String: JSONValue], reader: inout ConfigReader) -> EmailSettings? {
        let at = "alerts.email"
        reader.rejectUnknown(object, allowed: ObservabilitySettings.schema["alerts.email"]!, at: at)
        let server = reader.nonEmptyString(object, "server", at: at)
        if server == nil, object["server"] == nil { reader.problem("\(at).server", "is missing: the SMTP server's host name, e.g. \"smtp.example.com\"") }
        let port = reader.int(object, "port", at: at, range: 1...65_535) ?? 587
        let starttls = reader.bool(object, "starttls", at: at) ?? true
        let from = reader.nonEmptyString(object, "from", at: at)
        if from == nil, object["from"] == nil { reader.problem("\(at).from", "is missing: the sender address, e.g. \"ferry@example.com\"") }
        var to: [String] = []
        switch object["to"] {
        case .array(let list)?:
            for (index, item) in list.enumerated() {
                if case .string(let address) = item, address.contains("@") { to.append(address) } else {
                    reader.problem("\(at).to[\(index)]", "must be an email address string like \"ops@example.com\"")
                }
            }
            if list.isEmpty { reader.problem("\(at).to", "is empty: list at least one recipient") }
        case .string(let address)?: to = [address]
        case nil: reader.problem("\(at).to", "is missing: a list of recipients, e.g. [\"ops@example.com\"]")
        case let other?: reader.problem("\(at).to", "must be a list of addresses, not \(other.typeName)")
        }
        let username = reader.nonEmptyString(object, "username", at: at)
        let password = reader.secretReference(object, "password", at: at, what: "the password")
        if username != nil, password == nil { reader.problem("\(at).password", "is missing while username is set: add a password reference, e.g. \"credential:smtp-password\"") }
        if password != nil, username == nil { reader.problem("\(at).username", "is missing while password is set: add the SMTP user name") }
        let caFile = reader.nonEmptyString(object, "caFile", at: at)
        let timeout = reader.int(object, "timeoutSeconds", at: at, range: 1...600) ?? 30
        guard let server, let from, !to.isEmpty else { return nil }
        return EmailSettings(
            server: server, port: port, starttls: starttls, from: from, to: to, username: username, password: password,
            caFile: caFile, timeoutSeconds: timeout)
    }
}

/// Posting alerts as JSON to a URL (libcurl).
public struct WebhookSettings: Sendable {
    /// The http(s) URL the JSON is POSTed to.
    public var url: String
    /// A bearer token reference, sent as `Authorization: Bearer ...`.
    public var bearer: SecretReference?
    /// A PEM bundle of extra trusted CAs for a private CA.
    public var caFile: String?
    /// Seconds the request may take (default 30).
    public var timeoutSeconds: Int

    /// Creates settings.
    public init(url: String, bearer: SecretReference? = nil, caFile: String? = nil, timeoutSeconds: Int = 30) {
        self.url = url
        self.bearer = bearer
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    static func read(_ object: [String: JSONValue], reader: inout ConfigReader) -> WebhookSettings? {
        let at = "alerts.webhook"
        reader.rejectUnknown(object, allowed: ObservabilitySettings.schema["alerts.webhook"]!, at: at)
        let url = reader.nonEmptyString(object, "url", at: at)
        if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            reader.problem("\(at).url", "'\(url)' must start with https:// (or http:// for a local receiver)")
        }
        if url == nil, object["url"] == nil { reader.problem("\(at).url", "is missing: the URL to POST alerts to, e.g. \"https://hooks.example.com/ferry\"") }
        let bearer = reader.secretReference(object, "bearer", at: at, what: "the token")
        let caFile = reader.nonEmptyString(object, "caFile", at: at)
        let timeout = reader.int(object, "timeoutSeconds", at: at, range: 1...600) ?? 30
        guard let url else { return nil }
        return WebhookSettings(url: url, bearer: bearer, caFile: caFile, timeoutSeconds: timeout)
    }
}

extension ConfigReader {
    /// The reference to a secret at `key` (`"${ENV}"`, `"credential:NAME"`, `"file:/path"`); the secret itself written
    /// there is a warning, since config.json is read by more people than the secret should be.
    fileprivate mutating func secretReference(
        _ object: [String: JSONValue], _ key: String, at path: String, what: String
    ) -> SecretReference? {
        let reference = nonEmptyString(object, key, at: path).map(SecretReference.init)
        if let reference, reference.isLiteral {
            problem(
                join(path, key),
                "holds \(what) itself: use \"${ENV_NAME}\", \"credential:NAME\" (systemd LoadCredential) or \"file:/path\"",
                warning: true)
        }
        return reference
    }
}

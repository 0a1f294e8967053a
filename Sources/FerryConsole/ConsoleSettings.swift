public import FerryPipeline
import FerryValues
import Foundation

/// The `console` section of config.json, validated: where the operator console listens and who may use it.
///
/// ```json
/// "console": {"listen": "127.0.0.1:8484"}
/// "console": {"listen": "0.0.0.0:8484", "user": "ops", "password": "credential:console-password"}
/// ```
/// Off unless the section is there. Binding anything but loopback requires `password`, a secret reference
/// (never the secret itself) whose first line is either a token or `sha256:<hex>`, the SHA-256 of the password.
public struct ConsoleSettings: Sendable {
    /// Every key of the section; docs/configuration.md documents exactly these (a test keeps the two in step).
    public static let keys: Set<String> = ["listen", "user", "password", "$comment"]

    /// The address to bind (`127.0.0.1`, `::1`, `0.0.0.0`, a host name).
    public var host: String
    /// The port (0 picks a free one: tests).
    public var port: Int
    /// The user name HTTP Basic authentication expects (default `ferry`).
    public var user: String
    /// Where the password or token comes from; nil: no authentication (loopback only).
    public var password: SecretReference?

    /// Creates settings directly (tests, benchmarks).
    public init(host: String = "127.0.0.1", port: Int = 0, user: String = "ferry", password: SecretReference? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
    }

    /// True when the address is reachable from this machine only.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Reads the section of a loaded config; nil when there is none (the console is off).
    /// - Throws: ``ConfigError`` with the JSON path and the fix of every problem.
    public static func from(config: FerryConfig) throws -> ConsoleSettings? {
        let (settings, problems) = read(config.sections["console"])
        if problems.contains(where: { !$0.isWarning }) { throw ConfigError(file: config.file.path, problems: problems) }
        return settings
    }

    /// Every problem of the section, for `ferry check-config`.
    public static func problems(in config: FerryConfig) -> [ConfigProblem] {
        read(config.sections["console"]).1
    }

    private static func read(_ section: JSONValue?) -> (ConsoleSettings?, [ConfigProblem]) {
        guard let section else { return (nil, []) }
        guard case .object(let object) = section else {
            return (nil, [ConfigProblem("console", "must be an object like {\"listen\": \"127.0.0.1:8484\"}")])
        }
        var reader = ConfigReader()
        reader.rejectUnknown(object, allowed: keys, at: "console")
        var settings = ConsoleSettings()
        let listen = reader.nonEmptyString(object, "listen", at: "console") ?? "127.0.0.1:8484"
        if let (host, port) = parse(listen: listen) {
            settings.host = host
            settings.port = port
        } else {
            reader.problem("console.listen", "'\(listen)' is not HOST:PORT: write e.g. \"127.0.0.1:8484\" or \"[::1]:8484\"")
        }
        if let user = reader.nonEmptyString(object, "user", at: "console") { settings.user = user }
        if let password = reader.nonEmptyString(object, "password", at: "console").map(SecretReference.init) {
            if password.isLiteral {
                reader.problem("console.password", "holds the password itself: use \"credential:NAME\" (systemd LoadCredential), \"file:/path\" or \"${ENV_NAME}\" naming a token or sha256:<hex of the password>")
            }
            settings.password = password
        }
        if !settings.isLoopback, settings.password == nil {
            reader.problem("console.password", "is missing while console.listen (\(listen)) is not a loopback address: anyone on the network could retry and dismiss files; add \"password\": \"credential:console-password\", or listen on 127.0.0.1")
        }
        return (settings, reader.problems)
    }

    /// `HOST:PORT` or `[V6]:PORT`.
    static func parse(listen: String) -> (String, Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port)
        else { return nil }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("/") else { return nil }
        return (host, port)
    }
}

public import FerryPipeline
public import FerryValues
public import Foundation
public import Logging
public import Sage200Connector

/// The Sage 200 tasks, each registered in `BuiltinTasks.swift`.
extension Sage200Error: RetryClassifying {}

/// config.json's `connections.sage200`, read one way for the tasks and for `ferry sage200 ...`.
public struct Sage200Connection: Sendable {
    /// The block as written.
    public let settings: Sage200ConnectionSettings
    /// Where the relative token file resolves.
    public let root: URL

    /// Reads the block from `connections`.
    /// - Throws: ``TaskSettingsError`` naming `connections.sage200` when it is missing or malformed.
    public init(connections: [String: JSONValue], root: URL) throws {
        guard let block = connections["sage200"] else {
            throw TaskSettingsError(
                settingsPath: "connections", key: "sage200",
                message: "is missing: add a \"sage200\" block (apiUrl, authUrl, clientId, clientSecret, site, company); see docs/sage200.md")
        }
        settings = try TaskSettings(json: block.data, path: "connections.sage200").decode(Sage200ConnectionSettings.self)
        self.root = root
    }

    /// Reads the block of a loaded config.
    public init(config: FerryConfig) throws { try self.init(connections: config.connections, root: config.root) }

    /// Sage ID's part (reads the client secret).
    /// - Throws: ``TaskSettingsError`` naming the key.
    public func authConfiguration() throws -> Sage200AuthConfiguration {
        do {
            return try settings.authConfiguration { path in
                path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
            }
        } catch let error as Sage200Error {
            throw TaskSettingsError(settingsPath: "connections", key: "sage200", message: error.message)
        }
    }

    /// A client sharing the process's one authenticator for the token file.
    /// - Throws: ``TaskSettingsError`` naming the key.
    public func client(logger: Logger) throws -> Sage200Client {
        let authenticator = Sage200Authenticators.shared(try authConfiguration(), logger: logger)
        do {
            return Sage200Client(configuration: try settings.apiConfiguration(), authenticator: authenticator, logger: logger)
        } catch let error as Sage200Error {
            throw TaskSettingsError(settingsPath: "connections", key: "sage200", message: error.message)
        }
    }
}

extension Sage200Client {
    /// Raises the refresh token's expiry as an alert (mail, webhook) once a day while it is within
    /// `warnDaysBefore` days of its end: when it has expired, no order reaches Sage until someone runs
    /// `ferry sage200 authorize`. The log has the same warning hourly.
    func noticeExpiringAuthorization(to context: TaskContext) async {
        if let notice = await authenticator.expiryNotice() { context.needsAttention(notice) }
    }
}

extension TaskEnvironment {
    /// The Sage 200 client of config.json's `connections.sage200`, sharing the process's one authenticator.
    func sage200Client() throws -> Sage200Client {
        try Sage200Connection(connections: connections, root: root).client(logger: logger)
    }
}

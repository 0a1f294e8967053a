import FerryPipeline
import Foundation
import Sage200Connector

/// The Sage 200 tasks, each registered in `BuiltinTasks.swift`.
extension Sage200Error: RetryClassifying {}

extension TaskEnvironment {
    /// The Sage 200 client of config.json's `connections.sage200`, sharing the process's one authenticator.
    func sage200Client() throws -> Sage200Client {
        guard let connection = connection("sage200") else {
            throw TaskSettingsError(
                settingsPath: "connections", key: "sage200",
                message: "is missing: add a \"sage200\" block (apiUrl, authUrl, clientId, clientSecret, site, company); see docs/sage200.md")
        }
        let settings = try connection.decode(Sage200ConnectionSettings.self)
        do {
            let auth = try settings.authConfiguration(resolve: resolve)
            let authenticator = Sage200Authenticators.shared(auth, logger: logger)
            return Sage200Client(configuration: try settings.apiConfiguration(), authenticator: authenticator, logger: logger)
        } catch let error as Sage200Error {
            throw TaskSettingsError(settingsPath: "connections", key: "sage200", message: error.message)
        }
    }
}

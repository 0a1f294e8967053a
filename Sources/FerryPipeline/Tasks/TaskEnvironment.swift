public import FerryState
public import FerryValues
public import Foundation
public import Logging

/// What a task may use besides its settings: the state store, a logger, where relative paths start, secrets.
public struct TaskEnvironment: Sendable {
    /// The shared state store; a task keeps its own tables in it (see ``TaskKind/migrations``).
    public let store: StateStore
    /// Logger carrying the stage's name as `ferry.stage`.
    public let logger: Logger
    /// The root of the folder tree; relative paths in settings (a stylesheet) resolve against it.
    public let root: URL
    /// The stage's name in config.json.
    public let stageName: String

    /// The config's top-level `connections` blocks (`magento`, `smtp`), shared by the stages that use them.
    public let connections: [String: JSONValue]

    /// Creates an environment (the engine does this; tests may too).
    public init(store: StateStore, logger: Logger, root: URL, stageName: String, connections: [String: JSONValue] = [:]) {
        self.store = store
        self.logger = logger
        self.root = root
        self.stageName = stageName
        self.connections = connections
    }

    /// The connection block `name` as settings to decode, or nil when config.json has none.
    public func connection(_ name: String) -> TaskSettings? {
        connections[name].map { TaskSettings(json: $0.data, path: "connections.\(name)") }
    }

    /// Resolves a path from the settings against the root.
    public func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
    }
}

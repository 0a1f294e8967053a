public import FerryState
public import FerryValues
public import Foundation
public import Logging

/// The work a stage does: map a file, call a store, download orders.
///
/// A task knows nothing of folders. The engine hands it the claimed input (if the stage watches a folder) and
/// temporary output files to fill; it makes them visible, durably and exactly once, only after the task returns.
/// Adding a stage to ferry is one file with a type conforming to this protocol and a ``TaskKind``, plus a
/// config entry.
public protocol StageTask: Sendable {
    /// Processes one input (or, for a scheduled task, one tick).
    ///
    /// Throw ``TaskError/badInput(_:)`` for a file that can never succeed (it is moved to `failed/` with the
    /// reason beside it) and ``TaskError/transient(_:)`` for something worth retrying (the network, a locked
    /// store). Record-level problems (one bad order in a batch) are not thrown: write them to a fail output.
    func run(_ context: TaskContext) async throws
}

/// A registered kind of task: its config name, how to build it from its settings, the state it keeps.
public struct TaskKind: Sendable {
    /// How the engine feeds the task.
    public enum Trigger: Sendable {
        /// Runs once for each file landing in the stage's watched folder.
        case file
        /// Runs on the stage's `every` interval and on demand, with no input file.
        case schedule
    }

    /// The name used in config.json's `task` key, e.g. `xslt` or `magento.download-orders`.
    public let name: String
    /// File-driven or scheduled.
    public let trigger: Trigger
    /// Settings keys the task accepts; any other key is reported by `ferry check-config`.
    public let settingsKeys: Set<String>
    /// Tables the task keeps in the state store.
    public let migrations: [StateMigration]
    /// Builds the task from its settings. Throw ``TaskSettingsError`` naming the key and the fix.
    public let make: @Sendable (TaskSettings, TaskEnvironment) throws -> any StageTask
    /// The engine may run several files' tasks at once (8); their commits still go in the files' order.
    ///
    /// Only for a task whose commit hooks notice when a commit made while it ran changed what it read (a ledger
    /// row it found missing now exists) and then throw ``TaskError/conflict(_:)``: the engine undoes that commit
    /// and runs the file again.
    public let overlapsFiles: Bool
    /// The kind of file each output holds (`"out": "magento-order-updates"`), for tasks of different kinds that
    /// feed one folder with the same kind of file. An output not listed holds `<task>.<output>` files. `ferry
    /// check-config` refuses two stages putting different kinds of file into one folder.
    public let produces: [String: String]
    /// The task's counters that raise an alert when a run counts any (orders Sage refused): the alert observer
    /// reads them, so it matches no counter name of its own.
    public let alertCounters: Set<String>

    /// Creates a task kind.
    public init(
        name: String, trigger: Trigger = .file, settingsKeys: Set<String>, migrations: [StateMigration] = [],
        overlapsFiles: Bool = false, produces: [String: String] = [:], alertCounters: Set<String> = [],
        make: @escaping @Sendable (TaskSettings, TaskEnvironment) throws -> any StageTask
    ) {
        self.produces = produces
        self.alertCounters = alertCounters
        self.overlapsFiles = overlapsFiles
        self.name = name
        self.trigger = trigger
        self.settingsKeys = settingsKeys
        self.migrations = migrations
        self.make = make
    }
}

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

/// A task's failure, classified so the engine knows whether to quarantine or retry.
public enum TaskError: Error, CustomStringConvertible, Sendable {
    /// The input can never succeed as it is: moved to `failed/<stage>/` with this reason beside it.
    case badInput(String)
    /// Worth retrying later with backoff (network, store in maintenance, a busy lock).
    case transient(String)
    /// Thrown by a commit hook: a commit made while the task ran changed what the task read. The engine undoes
    /// the commit and runs the file again at once; it is not a failure.
    case conflict(String)

    public var description: String {
        switch self {
        case .badInput(let reason), .transient(let reason), .conflict(let reason): reason
        }
    }
}

/// Errors that know whether they are worth a retry. The engine asks this of any error a task throws;
/// an error that does not conform is retried a bounded number of times, then quarantined.
public protocol RetryClassifying: Error {
    /// True for network faults, timeouts, a store in maintenance; false for bad data.
    var isTransient: Bool { get }
}

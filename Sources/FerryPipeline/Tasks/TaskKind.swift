public import FerryState

/// A registered kind of task: its config name, how to build it from its settings, the state it keeps.
///
/// A kind is either a file kind (``file(name:settingsKeys:migrations:overlapsFiles:produces:make:)``, building a
/// ``FileTask``) or a scheduled kind (``scheduled(name:settingsKeys:migrations:produces:make:)``, building a
/// ``ScheduledTask``); a stage must pair it with a watched folder or with none accordingly.
public struct TaskKind: Sendable {
    /// How the engine feeds the task.
    public enum Trigger: Sendable {
        /// Runs once for each file landing in the stage's watched folder.
        case file
        /// Runs on the stage's `every` interval and on demand, with no input file.
        case schedule
    }

    /// Builds the task from its settings; the case says which protocol the task conforms to.
    public enum Builder: Sendable {
        /// Builds a task that takes one input file per run.
        case file(@Sendable (TaskSettings, TaskEnvironment) throws -> any FileTask)
        /// Builds a task that runs on a schedule, with no input file.
        case schedule(@Sendable (TaskSettings, TaskEnvironment) throws -> any ScheduledTask)
    }

    /// The name used in config.json's `task` key, e.g. `xslt` or `magento.download-orders`.
    public let name: String
    /// Settings keys the task accepts; any other key is reported by `ferry check-config`.
    public let settingsKeys: Set<String>
    /// Tables the task keeps in the state store.
    public let migrations: [StateMigration]
    /// Builds the task from its settings. Throw ``TaskSettingsError`` naming the key and the fix.
    public let builder: Builder
    /// The engine may run several files' tasks at once (8); their commits still go in the files' order.
    ///
    /// Only for a task whose commit hooks notice when a commit made while it ran changed what it read (a ledger
    /// row it found missing now exists) and then throw ``TaskError/conflict(_:)``: the engine undoes that commit
    /// and runs the file again. Always false for a scheduled kind.
    public let overlapsFiles: Bool
    /// The kind of file each output holds (`"out": "magento-order-updates"`), for tasks of different kinds that
    /// feed one folder with the same kind of file. An output not listed holds `<task>.<output>` files. `ferry
    /// check-config` refuses two stages putting different kinds of file into one folder.
    public let produces: [String: String]
    /// The task's counters that raise an alert when a run counts any (orders Sage refused): the alert observer
    /// reads them, so it matches no counter name of its own.
    public let alertCounters: Set<String>

    /// File-driven or scheduled, as the builder says.
    public var trigger: Trigger {
        switch builder {
        case .file: .file
        case .schedule: .schedule
        }
    }

    private init(
        name: String, settingsKeys: Set<String>, migrations: [StateMigration], overlapsFiles: Bool,
        produces: [String: String], alertCounters: Set<String>, builder: Builder
    ) {
        self.name = name
        self.settingsKeys = settingsKeys
        self.migrations = migrations
        self.overlapsFiles = overlapsFiles
        self.produces = produces
        self.alertCounters = alertCounters
        self.builder = builder
    }

    /// A kind whose task runs once for each file landing in the stage's watched folder.
    public static func file(
        name: String, settingsKeys: Set<String>, migrations: [StateMigration] = [], overlapsFiles: Bool = false,
        produces: [String: String] = [:], alertCounters: Set<String> = [],
        make: @escaping @Sendable (TaskSettings, TaskEnvironment) throws -> any FileTask
    ) -> TaskKind {
        TaskKind(
            name: name, settingsKeys: settingsKeys, migrations: migrations, overlapsFiles: overlapsFiles,
            produces: produces, alertCounters: alertCounters, builder: .file(make))
    }

    /// A kind whose task runs on the stage's `everySeconds` interval and on demand, with no input file.
    public static func scheduled(
        name: String, settingsKeys: Set<String>, migrations: [StateMigration] = [], produces: [String: String] = [:],
        alertCounters: Set<String> = [],
        make: @escaping @Sendable (TaskSettings, TaskEnvironment) throws -> any ScheduledTask
    ) -> TaskKind {
        TaskKind(
            name: name, settingsKeys: settingsKeys, migrations: migrations, overlapsFiles: false, produces: produces,
            alertCounters: alertCounters, builder: .schedule(make))
    }

    /// Builds the task for a stage that watches a folder.
    ///
    /// - Throws: a configuration ``PipelineError`` naming the stage and the task when this kind runs on a
    ///   schedule; whatever the builder throws for bad settings.
    public func makeFileTask(_ settings: TaskSettings, _ environment: TaskEnvironment) throws -> any FileTask {
        guard case .file(let make) = builder else { throw mismatch(stage: environment.stageName, watchesAFolder: true) }
        return try make(settings, environment)
    }

    /// Builds the task for a stage that watches no folder.
    ///
    /// - Throws: a configuration ``PipelineError`` naming the stage and the task when this kind takes files;
    ///   whatever the builder throws for bad settings.
    public func makeScheduledTask(_ settings: TaskSettings, _ environment: TaskEnvironment) throws -> any ScheduledTask {
        guard case .schedule(let make) = builder else {
            throw mismatch(stage: environment.stageName, watchesAFolder: false)
        }
        return try make(settings, environment)
    }

    /// Why this kind cannot run in a stage that does (or does not) watch a folder; nil when the pairing is right.
    public func pairingProblem(stage: String, watchesAFolder: Bool) -> String? {
        switch (trigger, watchesAFolder) {
        case (.file, false):
            "stage '\(stage)': task '\(name)' processes files: give the stage a \"watch\" folder to take them from"
        case (.schedule, true):
            "stage '\(stage)': task '\(name)' runs on a schedule, not on files: remove \"watch\", use \"everySeconds\""
        default: nil
        }
    }

    private func mismatch(stage: String, watchesAFolder: Bool) -> PipelineError {
        PipelineError(.configuration, pairingProblem(stage: stage, watchesAFolder: watchesAFolder) ?? "")
    }
}

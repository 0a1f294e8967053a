import ArgumentParser
import FerryConsole
import FerryObservability
import FerryPipeline
import FerryStages
import SageSimulator
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Run the daemon: watch every inbox and run each stage as files land.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try options.load()
        let lock = try SingleFerry.lock(config, command: "watch")
        defer { withExtendedLifetime(lock) {} }
        let logger = options.bootstrapLogging(config.logLevel)
        let observers = LiveObservers()
        let pipeline = try operational {
            try Pipeline(config: config, registry: BuiltinTasks.registry, logger: logger, observers: try observers.make(config: config, logger: logger))
        }
        let service = WatchService(
            pipeline: pipeline, configFile: options.url, registry: BuiltinTasks.registry, logger: logger,
            makeObservers: { try observers.make(config: $0, logger: logger) })
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: service),
            .init(service: try ConsoleHook.service(config: config, watch: service, observers: observers, logger: logger)),
        ]
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drain: process everything pending (and what arrives meanwhile), then exit.",
        discussion: """
            Exit status 0 when every file was processed or quarantined (a bad file is moved to failed/ with its
            reason, so a systemd path unit never loops on it); 75 when some files met a transient failure (the
            store down) and wait, claimed, for the next run; 78 for an invalid config; 1 for other problems.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Only this stage (repeatable).")
    var stage: [String] = []

    func run() async throws {
        let config = try options.load()
        let unknown = Set(stage).subtracting(config.stages.map(\.name))
        guard unknown.isEmpty else { throw ValidationError("no stage named \(unknown.sorted().joined(separator: ", ")) in \(config.file.path)") }
        guard let lock = try await SingleFerry.lockOrDelegate(config, request: ControlRequest(command: "run", stages: stage)) else { return }
        defer { withExtendedLifetime(lock) {} }
        let logger = options.bootstrapLogging(config.logLevel)
        let pipeline = try operational {
            try Pipeline(
                config: config, registry: BuiltinTasks.registry, logger: logger, drainAttempts: 3,
                observers: try Observers.make(config: config, registry: BuiltinTasks.registry, logger: logger))
        }
        let report = await pipeline.drain(stages: stage.isEmpty ? nil : Set(stage))
        print(report.summary)
        if report.leftForLater > 0 { throw ExitCode(75) }
    }
}

struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download", abstract: "Run the scheduled stages (the Magento order download) once, now.")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Only this scheduled stage (repeatable).")
    var stage: [String] = []

    func run() async throws {
        let config = try options.load()
        guard let lock = try await SingleFerry.lockOrDelegate(config, request: ControlRequest(command: "download", stages: stage)) else { return }
        defer { withExtendedLifetime(lock) {} }
        let logger = options.bootstrapLogging(config.logLevel)
        let transient = TransientFailures()
        let pipeline = try operational {
            try Pipeline(
                config: config, registry: BuiltinTasks.registry, logger: logger,
                observers: try Observers.make(config: config, registry: BuiltinTasks.registry, logger: logger) + [transient])
        }
        let scheduled = pipeline.stageNames.filter(\.scheduled).map(\.name)
        let unknown = Set(stage).subtracting(scheduled)
        guard unknown.isEmpty else { throw ValidationError("no scheduled stage named \(unknown.sorted().joined(separator: ", ")); scheduled stages are \(scheduled.joined(separator: ", "))") }
        var waiting = false
        for name in stage.isEmpty ? scheduled : stage {
            do {
                let counters = try await pipeline.runScheduled(stage: name)
                print("\(name): " + (counters.isEmpty ? "nothing new" : counters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            } catch where transient.met(stage: name) {
                // The store down: the next run continues from the same watermark, as `ferry run` exits 75.
                FileHandleOutput.error("\(name): not done, runs again at the next download: \(Redaction.message(of: error))")
                waiting = true
            }
        }
        if waiting { throw ExitCode(ExitStatus.temporary) }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each stage: pending, in progress, failed with reasons, last success.")

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Machine-readable output.")
    var json = false

    func run() async throws {
        let config = try options.load()
        let logger = Logger(label: "ferry", factory: { _ in SwiftLogNoOpLogHandler() })
        let pipeline = try operational { try Pipeline(config: config, registry: BuiltinTasks.registry, logger: logger) }
        let report = try StatusReport(pipeline: pipeline)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(Redaction.scrub(String(decoding: try encoder.encode(report), as: UTF8.self)))
        } else {
            print(report.text)
        }
        // Scripts and monitoring read the exit status (docs/operations.md): files for a person first.
        if report.stages.contains(where: { !$0.failed.isEmpty }) { throw ExitCode(ExitStatus.quarantined) }
        if report.stages.contains(where: { $0.health == "degraded" }) { throw ExitCode(ExitStatus.degraded) }
    }
}

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate config.json: every problem with its JSON path and the fix. Exit 0 only when valid.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        do {
            let (config, loaderWarnings) = try ConfigLoader.load(file: options.url, registry: BuiltinTasks.registry)
            let sectionProblems =
                ObservabilitySettings.problems(in: config) + ConsoleSettings.problems(in: config)
                + SageSimulatorSettings.problems(in: config)
            if sectionProblems.contains(where: { !$0.isWarning }) {
                for problem in loaderWarnings + sectionProblems { FileHandleOutput.error("\(problem)") }
                throw ExitCode(ExitStatus.config)
            }
            let warnings = loaderWarnings + sectionProblems
            // Build each task too: a missing stylesheet or a bad setting value is a config error.
            let temp = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-check-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: temp) }
            var probe = config
            probe.stateStore = temp.appendingPathComponent("state.sqlite")
            do {
                _ = try Pipeline(config: probe, registry: BuiltinTasks.registry, logger: Logger(label: "ferry", factory: { _ in SwiftLogNoOpLogHandler() }))
            } catch {
                FileHandleOutput.error("error: \(Redaction.message(of: error))")
                throw ExitCode(ExitStatus.config)
            }
            for warning in warnings { FileHandleOutput.error("\(warning)") }
            // Where each secret will come from; none is read (a systemd credential exists only in the service).
            for line in CredentialSources.magento(in: config) + ObservabilitySettings.secretSources(in: config) { print(line) }
            print("\(options.url.path): valid (\(config.stages.count) stages)")
        } catch let error as ConfigError {
            for problem in error.problems { FileHandleOutput.error("\(problem)") }
            throw ExitCode(ExitStatus.config)
        }
    }
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Put a fixed file from failed/<stage>/ back into its stage's folder, or replay an archived input.",
        discussion: """
            A file under archive/YYYY-MM-DD/<stage>/ is copied back and processed again: replaying a Magento order file \
            resends the orders Sage refused (once the cause is fixed); those Sage imported are skipped by the ledger.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The quarantined or archived file, e.g. failed/map-orders/orders-17.xml.")
    var files: [String]

    func run() async throws {
        let config = try options.load()
        // Absolute paths: a running daemon that does the retry has its own working directory.
        let request = ControlRequest(command: "retry", files: files.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        guard let lock = try await SingleFerry.lockOrDelegate(config, request: request) else { return }
        defer { withExtendedLifetime(lock) {} }
        let logger = Logger(label: "ferry", factory: { _ in SwiftLogNoOpLogHandler() })
        let pipeline = try operational { try Pipeline(config: config, registry: BuiltinTasks.registry, logger: logger) }
        for file in files {
            let placed = try pipeline.retry(URL(fileURLWithPath: file))
            print("\(file) -> \(placed.path)")
        }
    }
}

/// Runs `body`, printing an operational error (state store, permissions) and exiting 1; a task's settings that
/// only show their problem when the task is built are a config error all the same (78).
func operational<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as TaskSettingsError {
        FileHandleOutput.error("error: \(Redaction.message(of: error))")
        throw ExitCode(ExitStatus.config)
    } catch {
        FileHandleOutput.error("error: \(Redaction.message(of: error))")
        throw ExitCode(1)
    }
}

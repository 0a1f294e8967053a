import ArgumentParser
import CoreMetrics
import FerryObservability
import Synchronization
import FerryPipeline
import FerryStages
import Foundation
import Logging

/// `--config`, shared by every command that reads config.json.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The config file.")
    var config: String = "config.json"

    var url: URL { URL(fileURLWithPath: config).standardizedFileURL }

    /// Loads and validates the config, printing warnings; exits 78 (EX_CONFIG) with every problem otherwise.
    func load() throws -> FerryConfig {
        do {
            let (config, warnings) = try ConfigLoader.load(file: url, registry: BuiltinTasks.registry)
            for warning in warnings { FileHandleOutput.error("\(warning)") }
            return config
        } catch let error as ConfigError {
            FileHandleOutput.error(error.description)
            throw ExitCode(ExitStatus.config)
        }
    }

    /// Sets up logging at the config's level, and ferry's swift-metrics backend (only `main` bootstraps them).
    func bootstrapLogging(_ level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level) }
        // The Magento client's request figures, which the metrics text file and /metrics show (MetricsObserver).
        MetricsSystem.bootstrap(MagentoRequestFigures())
        return Logger(label: "ferry")
    }
}

enum FileHandleOutput {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((Redaction.scrub(text) + "\n").utf8))
    }
}

/// The exit statuses the commands share (sysexits.h where one fits); docs/operations.md has the table per command.
enum ExitStatus {
    /// EX_CONFIG: config.json is invalid; restarting will not help (`RestartPreventExitStatus=78`).
    static let config: Int32 = 78
    /// EX_TEMPFAIL: a transient failure (the store down, a credential not readable yet); a later run continues.
    static let temporary: Int32 = 75
    /// `ferry status`: files wait in failed/ for a person.
    static let quarantined: Int32 = 2
    /// `ferry status`: a stage meets transient failures and has not succeeded since.
    static let degraded: Int32 = 3
}

/// Remembers which stages met a transient failure, so a command can exit 75 rather than 1 for them.
final class TransientFailures: PipelineObserver {
    private let stages = Mutex<Set<String>>([])

    func transientFailure(stage: String, file: String?, reason: String) {
        _ = stages.withLock { $0.insert(stage) }
    }

    /// True when `stage` met a transient failure.
    func met(stage: String) -> Bool { stages.withLock { $0.contains(stage) } }
}

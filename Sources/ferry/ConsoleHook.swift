import ArgumentParser
import FerryConsole
import FerryObservability
import FerryPipeline
import FerryStages
import Logging
import Synchronization

/// The observers of the pipeline running now, kept so the console's `/metrics` serves the live figures of the
/// metrics observer, also after a SIGHUP reload made new ones.
final class LiveObservers: Sendable {
    private let current = Mutex<[any PipelineObserver]>([])

    /// Makes the observers config.json asks for (``Observers/make(config:registry:logger:)``) and remembers them.
    func make(config: FerryConfig, logger: Logger) throws -> [any PipelineObserver] {
        let made = try Observers.make(config: config, registry: BuiltinTasks.registry, logger: logger)
        current.withLock { $0 = made }
        return made
    }

    /// The Prometheus text of the running metrics observer; nil without a `metrics` section.
    var metricsText: String? {
        current.withLock { $0 }.lazy.compactMap { $0 as? MetricsObserver }.first?.text
    }
}

/// `ferry watch`'s console hook: the operator console as one more service of its group, following the `console`
/// section of config.json across SIGHUP reloads (``ConsoleReloader``).
enum ConsoleHook {
    /// The console's service; without a `console` section it serves nothing until a reload adds one.
    /// - Throws: `ExitCode(78)` after printing the section's problems at start.
    static func service(config: FerryConfig, watch: WatchService, observers: LiveObservers, logger: Logger) throws -> ConsoleReloader {
        let settings: ConsoleSettings?
        do {
            settings = try ConsoleSettings.from(config: config)
        } catch let error as ConfigError {
            FileHandleOutput.error(error.description)
            throw ExitCode(ExitStatus.config)
        }
        return ConsoleReloader(settings: settings, reloads: watch.reloadedConfigurations, logger: logger) { settings in
            // Asked at each (re)start: a reload may have added or removed the `metrics` section.
            let metrics: (@Sendable () -> String)? = observers.metricsText == nil ? nil : { @Sendable in observers.metricsText ?? "" }
            return try ConsoleService(settings: settings, pipeline: { watch.pipeline }, metrics: metrics, logger: logger)
        }
    }
}

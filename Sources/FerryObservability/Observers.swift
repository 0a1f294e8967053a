public import FerryPipeline
public import Logging

/// Builds the observers config.json asks for, so the CLI adds them in one line:
/// `Pipeline(config: config, registry: registry, logger: logger, observers: try Observers.make(config: config, logger: logger))`.
public enum Observers {
    /// The metrics observer (a `metrics` section), the alert observer (an `alerts` section) and terminal progress
    /// (when stderr is a terminal).
    ///
    /// Secrets are not read here but at send time, so a missing credential shows up as a logged delivery failure
    /// rather than preventing ferry from starting; `check-config` reports config mistakes beforehand.
    /// - Throws: ``ObservabilityConfigError`` with the JSON path and fix of every problem in `metrics` and `alerts`.
    public static func make(config: FerryConfig, logger: Logger) throws -> [any PipelineObserver] {
        let settings = try ObservabilitySettings(config: config)
        var observers: [any PipelineObserver] = []
        if let file = settings.metricsFile {
            observers.append(MetricsObserver(file: file, stages: config.stages.map(\.name), logger: logger))
        }
        if let alerts = settings.alerts {
            observers.append(AlertObserver.make(settings: alerts, logger: logger))
        }
        if let progress = ProgressObserver.forTerminal() { observers.append(progress) }
        return observers
    }
}

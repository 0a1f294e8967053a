public import FerryPipeline
public import Logging

/// Builds the observers config.json asks for, so the CLI adds them in one line:
/// `Pipeline(config: config, registry: registry, logger: logger, observers: try Observers.make(config: config, registry: registry, logger: logger))`.
public enum Observers {
    /// The metrics observer (a `metrics` section), the alert observer (an `alerts` section) and terminal progress
    /// (when stderr is a terminal).
    ///
    /// Alert secrets are read here once, so they are masked from then on and a missing one is logged at start-up
    /// (as a warning: ferry still starts), and again at each send, so a rotated credential needs no restart.
    /// - Parameter registry: the task kinds, whose ``TaskKind/alertCounters`` say which counters raise alerts.
    /// - Throws: ``ObservabilityConfigError`` with the JSON path and fix of every problem in `metrics` and `alerts`.
    public static func make(config: FerryConfig, registry: TaskRegistry, logger: Logger) throws -> [any PipelineObserver] {
        let settings = try ObservabilitySettings(config: config)
        var observers: [any PipelineObserver] = []
        if let file = settings.metricsFile {
            observers.append(MetricsObserver(file: file, stages: config.stages.map(\.name), logger: logger))
        }
        if let alerts = settings.alerts {
            // Read each secret once now: it is registered for masking before anything could log it, and a missing
            // credential shows at start-up rather than at the first failure. It is read again at each send.
            let references = [("alerts.email.password", alerts.email?.password), ("alerts.webhook.bearer", alerts.webhook?.bearer)]
            for case let (key, reference?) in references {
                do {
                    _ = try reference.resolve()
                } catch {
                    logger.warning(
                        "alert secret not readable yet; sending will fail until it is",
                        metadata: ["ferry.key": "\(key)", "ferry.error": "\(Redaction.message(of: error))"])
                }
            }
            let alertCounters = Dictionary(
                config.stages.map { ($0.name, registry.kinds[$0.task]?.alertCounters ?? []) }, uniquingKeysWith: { $1 })
            observers.append(AlertObserver.make(settings: alerts, alertCounters: alertCounters, logger: logger))
        }
        if let progress = ProgressObserver.forTerminal() { observers.append(progress) }
        return observers
    }
}

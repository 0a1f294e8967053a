/// Hears what the engine does, for metrics, alerts and progress. Every method has an empty default, so an
/// observer implements only what it needs. Called from the stage runners: keep the work short.
public protocol PipelineObserver: Sendable {
    /// A file went through its stage: outputs published, input archived.
    func fileProcessed(stage: String, file: String, seconds: Double, counters: [String: Int])
    /// A file was quarantined in `failed/<stage>/` with its reason.
    func fileQuarantined(stage: String, file: String, reason: String, failedPath: String)
    /// A file or a scheduled run met a transient failure and will be retried.
    func transientFailure(stage: String, file: String?, reason: String)
    /// A scheduled run (the download) finished; `error` is nil on success.
    func scheduledRunFinished(stage: String, counters: [String: Int], seconds: Double, error: String?)
    /// Files waiting in a stage's folder and claimed, after each change.
    func queueDepth(stage: String, waiting: Int, claimed: Int)
    /// Progress inside one long task (download pages, an inventory upload, a large mapping); `total` is nil
    /// when unknown. Called often: throttle what you show.
    func taskProgress(stage: String, what: String, done: Int, total: Int?)
    /// A task met something an operator must act on before it stops the flow (a credential about to expire);
    /// `message` says what to do. The task decides how often to say it.
    func needsAttention(stage: String, message: String)
    /// A drain, or a watch session, ends: flush what was batched (one alert per run, not one per record).
    func flush() async
}

extension PipelineObserver {
    public func fileProcessed(stage: String, file: String, seconds: Double, counters: [String: Int]) {}
    public func fileQuarantined(stage: String, file: String, reason: String, failedPath: String) {}
    public func transientFailure(stage: String, file: String?, reason: String) {}
    public func scheduledRunFinished(stage: String, counters: [String: Int], seconds: Double, error: String?) {}
    public func queueDepth(stage: String, waiting: Int, claimed: Int) {}
    public func taskProgress(stage: String, what: String, done: Int, total: Int?) {}
    public func needsAttention(stage: String, message: String) {}
    public func flush() async {}
}

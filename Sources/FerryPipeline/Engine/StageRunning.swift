/// What ``Pipeline`` asks of every stage's runner, file-triggered (``FileStageRunner``) or scheduled
/// (``ScheduledStageRunner``).
protocol StageRunning: Actor {
    /// The stage's config.
    nonisolated var stage: StageConfig { get }
    /// Runs until ``stop()``; returns when the work in hand is finished.
    func run() async
    /// Stops after the work in hand; nothing new is started.
    func stop()
    /// True when nothing is waiting, running or (with `includingRetries`) due for a retry in this process.
    func isIdle(includingRetries: Bool) -> Bool
    /// fsyncs the temporaries of committed runs, before any stage recovers (``StageRecovery``).
    func syncCommittedOutputs() async
    /// Finishes what a crash interrupted.
    func recover() async
}

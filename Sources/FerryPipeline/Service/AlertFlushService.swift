import ServiceLifecycle

/// Flushes what the observers batched (alerts: one message covers a run's failures) every minute, and once more
/// at the end. First in the group, so last to shut down: that final flush comes after every stage has stopped.
struct AlertFlushService: Service {
    let observers: [any PipelineObserver]

    func run() async {
        await repeatUntilShutdown(every: .seconds(60), startingNow: false) { await flush() }
        await flush()
    }

    private func flush() async {
        for observer in observers { await observer.flush() }
    }
}

import ServiceLifecycle

/// Archive zipping and retention, `failed/` retention (``Housekeeping``): at start, then hourly, until a
/// graceful shutdown. A clean-up in hand finishes first (it is file work off the cooperative pool).
struct RetentionService: Service {
    let pipeline: Pipeline

    func run() async {
        await repeatUntilShutdown(every: .seconds(3600), startingNow: true) { await pipeline.cleanUp() }
    }
}

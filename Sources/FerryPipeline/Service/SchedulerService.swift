import ServiceLifecycle

/// Asks each scheduled stage (`everySeconds`) for a run at once, then every interval, until a graceful
/// shutdown. Only asks: the run itself belongs to the stage's loop (``StagesService``), so a shutdown never cuts
/// a download short here.
struct SchedulerService: Service {
    let runners: [ScheduledStageRunner]

    func run() async {
        await withDiscardingTaskGroup { group in
            for runner in runners {
                guard let every = runner.stage.every else { continue }
                group.addTask { await repeatUntilShutdown(every: every, startingNow: true) { await runner.trigger() } }
            }
        }
    }
}

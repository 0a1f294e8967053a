import ServiceLifecycle

/// Every stage loop of one pipeline (file-triggered and scheduled) as one service. At a graceful shutdown each
/// loop is told to stop (nothing new is claimed) and the work in hand is cancelled: a file task finishes or
/// stops at its next safe point, a long Magento download stops there and leaves its run for the restart.
struct StagesService: Service {
    let runners: [any StageRunning]

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for runner in runners { group.addTask { await runner.run() } }
            // Returns at the shutdown, or throws when this service is cancelled: the loops end either way.
            try? await gracefulShutdown()
            for runner in runners { await runner.stop() }
            group.cancelAll()
        }
    }
}

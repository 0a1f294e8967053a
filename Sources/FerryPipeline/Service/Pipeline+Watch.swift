import FileWatching
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

extension Pipeline {
    /// Runs until ``stop()``: recovers, puts the watches in place, then runs the pipeline's services (the stage
    /// loops, the event pump, the scheduler, retention and the alert flush) as one `ServiceGroup`.
    ///
    /// ``stop()``, and a graceful shutdown of an enclosing service group (SIGTERM to `ferry watch`), shut the
    /// group down in reverse order: the scheduler and the event pump first, then each stage after the work in
    /// hand, then retention, and last the alert flush, so its final flush covers the last files.
    ///
    /// - Parameter onReady: called once the watches are in place and recovery is done (sd_notify READY=1).
    public func watch(onReady: @Sendable () -> Void = {}) async {
        await recover()
        let folders = fileRunners.map { runner in (runner.folder.standardizedFileURL.path, config.mode(of: runner.folder)) }
        let watcher = FolderWatcher(folders: folders, rescanInterval: config.rescanInterval, logger: logger)
        await watcher.start()
        await recordModes(watcher.effectiveModes)
        watching.withLock { $0 = true }
        defer { watching.withLock { $0 = false } }
        onReady()
        logger.info("watching", metadata: ["ferry.folders": "\(folders.count)", "ferry.stages": "\(runners.count)"])
        let group = ServiceGroup(
            configuration: .init(services: services(watcher: watcher).map { .init(service: $0) }, logger: logger))
        await withTaskGroup(of: Void.self) { waiter in
            waiter.addTask { [self] in
                while !isStopped && !Task.isCancelled { await stopSignal.wait(for: nil) }
                await group.triggerGracefulShutdown()
            }
            do {
                try await group.run()
            } catch {
                logger.error("a service of the pipeline failed", metadata: ["ferry.reason": "\(Redaction.message(of: error))"])
            }
            waiter.cancelAll()
        }
        logger.info("stopped")
    }

    /// The services of a watch, in start order (a graceful shutdown goes in reverse). Retention, the scheduler
    /// and the alert flush are left out when there is nothing for them to do: a service must not end before the
    /// shutdown, or the group would take it for a failure.
    func services(watcher: FolderWatcher) -> [any Service] {
        var services: [any Service] = []
        if !observers.isEmpty { services.append(AlertFlushService(observers: observers)) }
        if Housekeeping(config: config).isEnabled { services.append(RetentionService(pipeline: self)) }
        services.append(StagesService(runners: runners))
        services.append(EventPumpService(watcher: watcher, runnerByFolder: runnerByFolder))
        let scheduled = scheduledRunners.values.filter { $0.stage.every != nil }
        if !scheduled.isEmpty { services.append(SchedulerService(runners: scheduled)) }
        return services
    }
}

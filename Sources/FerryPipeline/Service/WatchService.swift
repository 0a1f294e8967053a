import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
import UnixSignals

/// `ferry watch` as a ServiceLifecycle service: runs the pipeline until SIGTERM/SIGINT (graceful: the file in
/// hand finishes), reloads config.json on SIGHUP (an invalid new config is refused and the old one kept),
/// and talks to systemd (READY, STOPPING, WATCHDOG).
public final class WatchService: Service, Sendable {
    private let configFile: URL
    private let registry: TaskRegistry
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let current = Mutex<Pipeline?>(nil)
    private let reloadRequested = Mutex(false)
    private let shuttingDown = Mutex(false)
    private let makeObservers: @Sendable (FerryConfig) throws -> [any PipelineObserver]
    private let reloads = AsyncStream.makeStream(of: FerryConfig.self, bufferingPolicy: .bufferingNewest(1))

    /// Creates the service with an already validated pipeline.
    ///
    /// - Parameter makeObservers: builds metrics and alerts for a reloaded config.
    public init(
        pipeline: Pipeline, configFile: URL, registry: TaskRegistry, logger: Logger,
        notifier: SystemdNotifier = SystemdNotifier(),
        makeObservers: @escaping @Sendable (FerryConfig) throws -> [any PipelineObserver] = { _ in [] }
    ) {
        self.makeObservers = makeObservers
        self.configFile = configFile
        self.registry = registry
        self.logger = logger
        self.notifier = notifier
        current.withLock { $0 = pipeline }
    }

    /// The pipeline running now (a SIGHUP reload replaces it), for the operator console.
    public var pipeline: Pipeline? { current.withLock { $0 } }

    /// Each configuration a SIGHUP reload started (not one refused, nor the old one restarted after a failed
    /// reload), for what follows config.json outside the pipeline (the operator console). One reader; it ends
    /// when the service does.
    public var reloadedConfigurations: AsyncStream<FerryConfig> { reloads.stream }

    public func run() async throws {
        // Trapped before READY=1 (the sequence returns once its handler is in place): from then on a SIGHUP
        // reloads, it never ends the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await _ in hangups { requestReload() }
            }
            defer { reloads.continuation.finish() }
            try await runPipelines()
            // The pipelines have ended (stop or a failed reload's error, thrown above): no reload is awaited.
            group.cancelAll()
        }
    }

    /// Runs the current pipeline, and after each reload the next one, until a graceful shutdown.
    private func runPipelines() async throws {
        let watchdog: Task<Void, Never>? = notifier.watchdogInterval.map { interval in
            Task { [notifier] in
                while !Task.isCancelled {
                    notifier.notify("WATCHDOG=1")
                    try? await Task.sleep(for: interval)
                }
            }
        }
        defer { watchdog?.cancel() }

        // A second `ferry run`, `download` or `retry` asks this process to do the work (docs/operations.md).
        let stateFolder = current.withLock { $0 }?.config.stateStore.deletingLastPathComponent()
        let control = stateFolder.flatMap { folder in
            do {
                return try ControlSocket(stateFolder: folder) { [self] request in
                    guard let pipeline = current.withLock({ $0 }) else {
                        return ControlResponse(lines: ["error: the running ferry is stopping; run the command again"], exitCode: 75)
                    }
                    return await pipeline.answer(request)
                }
            } catch {
                logger.warning(
                    "no control socket: a second ferry run or download will exit 75 instead",
                    metadata: ["ferry.reason": "\(Redaction.message(of: error))"])
                return nil
            }
        }
        defer { control?.close() }

        try await withGracefulShutdownHandler {
            var first = true
            while let pipeline = current.withLock({ $0 }) {
                await pipeline.watch { [notifier, first] in
                    notifier.notify(first ? "READY=1" : "READY=1\nSTATUS=configuration reloaded")
                }
                first = false
                // Shut down, or this service's task cancelled (its group gave up on it): a watch that returned
                // for either must not be followed by another.
                if shuttingDown.withLock({ $0 }) || Task.isCancelled { break }
                guard reloadRequested.withLock({ flag in defer { flag = false }; return flag }) else { break }
                try reload()
            }
        } onGracefulShutdown: { [self] in
            notifier.notify("STOPPING=1")
            shuttingDown.withLock { $0 = true }
            current.withLock { $0 }?.stop()
        }
    }

    /// Validates config.json again; if valid, the running pipeline stops after its files in hand and the new one starts.
    func requestReload() {
        do {
            _ = try ConfigLoader.load(file: configFile, registry: registry)
        } catch {
            logger.error("SIGHUP: the new config is invalid, keeping the running one", metadata: ["ferry.reason": "\(Redaction.message(of: error))"])
            return
        }
        logger.info("SIGHUP: reloading the configuration")
        notifier.notify("RELOADING=1")
        reloadRequested.withLock { $0 = true }
        current.withLock { $0 }?.stop()
    }

    /// Builds the pipeline of the new config.json; if that fails, the previous config's pipeline again.
    ///
    /// - Throws: ``PipelineError`` when neither starts (the state store cannot be opened, a task cannot be
    ///   built): `ferry watch` then exits non-zero with both reasons instead of ending as if asked to.
    private func reload() throws {
        guard let old = current.withLock({ $0 }) else { return }
        let failure: any Error
        do {
            let (config, warnings) = try ConfigLoader.load(file: configFile, registry: registry)
            warnings.forEach { logger.warning("\($0)") }
            let pipeline = try Pipeline(config: config, registry: registry, logger: logger, observers: try makeObservers(config))
            current.withLock { $0 = pipeline }
            reloads.continuation.yield(config)
            return
        } catch {
            failure = error
        }
        // Keep running the old config rather than stopping the daemon.
        logger.error("reload failed, restarting with the previous configuration", metadata: ["ferry.reason": "\(Redaction.message(of: failure))"])
        do {
            let observers = (try? makeObservers(old.config)) ?? []
            let pipeline = try Pipeline(config: old.config, registry: registry, logger: logger, observers: observers)
            current.withLock { $0 = pipeline }
        } catch {
            current.withLock { $0 = nil }
            throw PipelineError(
                .operational,
                "SIGHUP: the new configuration in \(configFile.path) did not start (\(Redaction.message(of: failure))), "
                    + "nor did the previous one (\(Redaction.message(of: error))); ferry watch stops: fix the cause and "
                    + "start it again")
        }
    }
}

public import FerryPipeline
import FerryStages
import FerryValues
public import Foundation
public import Logging
import MagentoSandbox
import Sage200Connector
public import Sage200Sandbox
public import ServiceLifecycle
import UnixSignals

/// `config.sage200.json`'s workflow run against the Magento sandbox and the Sage 200 stand-in (`ferry demo
/// --sage200`): orders go into Sage 200 through its API, stock comes back from its warehouse holdings.
///
/// Each run starts a fresh stand-in on a free port and authorizes ferry against it as `ferry sage200 authorize`
/// would, so the token file in the state folder always belongs to the stand-in of this run.
public final class Sage200DemoWorkflow: Sendable {
    /// The config after the demo's adjustments (sandbox URLs, download interval).
    public let config: FerryConfig
    /// The Magento stand-in.
    public let sandbox: MagentoSandboxServer
    /// The Sage 200 stand-in.
    public let sage: Sage200SandboxServer
    private let options: DemoWorkflow.Options
    private let logger: Logger
    private let observers: [any PipelineObserver]

    /// Prepares both stand-ins for `config` (neither is listening yet).
    public init(
        config: FerryConfig, options: DemoWorkflow.Options = .init(), logger: Logger,
        observers: [any PipelineObserver] = []
    ) throws {
        self.config = options.adjusting(config)
        self.options = options
        self.logger = logger
        self.observers = observers
        sandbox = options.makeSandbox(logger: logger)
        sage = Sage200SandboxServer(logger: logger)
        try FileManager.default.createDirectory(
            at: config.stateStore.deletingLastPathComponent(), withIntermediateDirectories: true)
        // The stand-ins accept their own test credentials; a real shop's come from the environment as usual.
        setenv("MAGENTO_TOKEN", MagentoSandboxOptions().bearerTokens[0], 0)
        setenv("SAGE200_CLIENT_SECRET", Sage200SandboxOptions().clientSecret, 0)
    }

    /// Starts both stand-ins, points the config at them and authorizes ferry with the Sage 200 one.
    private func start() async throws -> FerryConfig {
        var config = self.config
        let port = try await sandbox.start(host: "127.0.0.1", port: options.sandboxPort ?? 0)
        if case .object(var magento)? = config.connections["magento"] {
            magento["baseUrl"] = .string("http://127.0.0.1:\(port)")
            config.connections["magento"] = .object(magento)
        }
        _ = try await sage.start(host: "127.0.0.1", port: 0)
        if case .object(var block)? = config.connections["sage200"] {
            block["apiUrl"] = .string(sage.apiURL)
            block["authUrl"] = .string(sage.baseURL)
            block["clientId"] = .string(Sage200SandboxOptions().clientId)
            block["site"] = .string(Sage200SandboxStore.siteName)
            block["company"] = .string(Sage200SandboxStore.companyName)
            config.connections["sage200"] = .object(block)
        }
        let auth = try Sage200Connection(config: config).authConfiguration()
        try await Sage200Authenticators.shared(auth, logger: logger).authorize(code: await sage.store.issueCode())
        logger.info(
            "Magento sandbox and Sage 200 stand-in listening",
            metadata: ["ferry.url": "http://127.0.0.1:\(port)", "ferry.sage200": "\(sage.baseURL)"])
        return config
    }

    private func stop() async {
        await sandbox.stop()
        await sage.stop()
    }

    /// Runs download -> Sage 200 import -> Magento update -> stock export -> upload, once, and stops the stand-ins.
    public func runOnce() async throws -> DemoWorkflow.Summary {
        let config = try await start()
        do {
            let pipeline = try Pipeline(
                config: config, registry: BuiltinTasks.registry, logger: logger, drainAttempts: 3, observers: observers)
            var summary = DemoWorkflow.Summary()
            for stage in pipeline.stageNames where stage.scheduled {
                summary.add(try await pipeline.runScheduled(stage: stage.name))
            }
            summary.add(await pipeline.drain())
            // Stock again now that Sage 200 allocated the orders' lines.
            for stage in pipeline.stageNames where stage.scheduled && stage.name.contains("stock") {
                summary.add(try await pipeline.runScheduled(stage: stage.name))
            }
            summary.add(await pipeline.drain())
            // Counted in Sage itself: the success mapping counts its confirmations under the same counter name.
            summary.imported = await sage.store.orderCounts().count
            summary.sageRejections = DemoWorkflow.failedRecords(in: config.root.appendingPathComponent("outbox/sage200-failed"))
            await stop()
            return summary
        } catch {
            await stop()
            throw error
        }
    }

    /// Runs both stand-ins and `ferry watch` until SIGINT/SIGTERM; new sandbox orders keep arriving.
    /// - Parameter services: more services for the group, made for its watch (`ferry demo`'s operator console).
    public func runUntilStopped(configFile: URL, services: DemoWorkflow.ExtraServices = { _ in [] }) async throws {
        try await watchWithStandIns(
            config: try await start(), configFile: configFile,
            standIns: [
                SandboxService(sandbox: sandbox, newOrderEvery: options.newOrderEvery, logger: logger),
                Sage200StandInService(server: sage),
            ],
            services: services, logger: logger, observers: observers)
    }
}

extension DemoWorkflow.Options {
    /// `config` with the download stage's interval overridden (``downloadEvery``), so new orders show up quickly.
    func adjusting(_ config: FerryConfig) -> FerryConfig {
        var config = config
        if let every = downloadEvery {
            for index in config.stages.indices where config.stages[index].task == "magento.download-orders" {
                config.stages[index].every = every
            }
        }
        return config
    }

    /// The Magento sandbox both demos run: these options' orders and seed, the demo catalogue.
    func makeSandbox(logger: Logger) -> MagentoSandboxServer {
        var sandboxOptions = MagentoSandboxOptions()
        sandboxOptions.recordRequests = false
        return MagentoSandboxServer(
            seed: seed, orders: initialOrders, options: sandboxOptions, catalogue: DemoCatalogueBridge.sandboxCatalogue(),
            logger: logger)
    }
}

/// `ferry watch` on `config` beside the demo's stand-ins and the `services` made for the watch, until
/// SIGINT/SIGTERM or the cancellation of the calling task (a test's) shuts them all down gracefully.
func watchWithStandIns(
    config: FerryConfig, configFile: URL, standIns: [any Service], services: DemoWorkflow.ExtraServices,
    logger: Logger, observers: [any PipelineObserver]
) async throws {
    let pipeline = try Pipeline(config: config, registry: BuiltinTasks.registry, logger: logger, observers: observers)
    let watch = WatchService(
        pipeline: pipeline, configFile: configFile, registry: BuiltinTasks.registry, logger: logger,
        makeObservers: { _ in observers })
    let services = try services(watch)
    let group = ServiceGroup(
        configuration: .init(
            services: (standIns + [watch] + services).map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    // Cancellation becomes the graceful shutdown Ctrl-C starts: the watch stops only that way, so the group runs
    // in a task of its own that the caller's cancellation does not reach.
    let running = Task { try await group.run() }
    try await withTaskCancellationHandler {
        try await running.value
    } onCancel: {
        Task { await group.triggerGracefulShutdown() }
    }
}

/// Keeps the Sage 200 stand-in listening until shutdown (the demo and `ferry sage200-sandbox`).
public struct Sage200StandInService: Service {
    let server: Sage200SandboxServer

    /// A service for a started stand-in.
    public init(server: Sage200SandboxServer) { self.server = server }

    /// Waits for shutdown, then stops the stand-in.
    public func run() async throws {
        try? await gracefulShutdown()
        await server.stop()
    }
}

public import FerryPipeline
import FerryStages
import FerryValues
public import Foundation
public import Logging
public import MagentoSandbox
public import ServiceLifecycle
import UnixSignals

/// A workflow run against stand-ins: ``DemoWorkflow`` (the Sage simulator) and ``Sage200DemoWorkflow`` (the Sage
/// 200 stand-in), so `ferry demo` runs either the same way.
public protocol StandInDemo: Sendable {
    /// Runs one full cycle and stops the stand-ins.
    func runOnce() async throws -> DemoWorkflow.Summary
    /// Runs the stand-ins and `ferry watch` together until SIGINT/SIGTERM; new sandbox orders keep arriving.
    /// - Parameters:
    ///   - configFile: the config file `ferry watch` reloads on SIGHUP.
    ///   - services: more services for the group, made for its watch (`ferry demo`'s operator console).
    func runUntilStopped(configFile: URL, services: @escaping DemoWorkflow.ExtraServices) async throws
}

/// What both demos share whichever Sage stands in: the config adjusted for the demo, the Magento sandbox and the
/// orders it keeps placing, the pipeline of one cycle, and `ferry watch` beside the stand-ins.
struct DemoSetup: Sendable {
    /// The config with the download stage's interval overridden (``DemoWorkflow/Options/downloadEvery``); the
    /// sandbox's address is set when it starts.
    let config: FerryConfig
    let options: DemoWorkflow.Options
    /// The Magento stand-in: these options' orders and seed, the demo catalogue.
    let sandbox: MagentoSandboxServer
    let logger: Logger
    let observers: [any PipelineObserver]

    init(config: FerryConfig, options: DemoWorkflow.Options, logger: Logger, observers: [any PipelineObserver]) throws {
        var adjusted = config
        if let every = options.downloadEvery {
            for index in adjusted.stages.indices where adjusted.stages[index].task == "magento.download-orders" {
                adjusted.stages[index].every = every
            }
        }
        self.config = adjusted
        self.options = options
        self.logger = logger
        self.observers = observers
        var sandboxOptions = MagentoSandboxOptions()
        sandboxOptions.recordRequests = false
        sandbox = MagentoSandboxServer(
            seed: options.seed, orders: options.initialOrders, options: sandboxOptions,
            catalogue: DemoCatalogueBridge.sandboxCatalogue(), logger: logger)
        try FileManager.default.createDirectory(at: stateFolder, withIntermediateDirectories: true)
        // The sandbox accepts its own token; a real store's token comes from the environment as usual.
        setenv("MAGENTO_TOKEN", MagentoSandboxOptions().bearerTokens[0], 0)
    }

    /// The state store's folder, where the Sage stand-ins keep their own files.
    var stateFolder: URL { config.stateStore.deletingLastPathComponent() }

    /// Starts the sandbox on `port` (0: a free one).
    /// - Returns: the config with `connections.magento.baseUrl` pointing at the sandbox, and the port it listens on.
    func startSandbox(port: Int) async throws -> (config: FerryConfig, port: Int) {
        let bound = try await sandbox.start(host: "127.0.0.1", port: port)
        var config = self.config
        if case .object(var magento)? = config.connections["magento"] {
            magento["baseUrl"] = .string("http://127.0.0.1:\(bound)")
            config.connections["magento"] = .object(magento)
        }
        return (config, bound)
    }

    /// The pipeline of one cycle: a file is tried up to 3 times within a drain.
    func cyclePipeline(config: FerryConfig) throws -> Pipeline {
        try Pipeline(config: config, registry: BuiltinTasks.registry, logger: logger, drainAttempts: 3, observers: observers)
    }

    /// `ferry watch` on `config` beside the sandbox (placing an order every ``DemoWorkflow/Options/newOrderEvery``),
    /// the Sage stand-in's service and the `services` made for the watch, until SIGINT/SIGTERM or the cancellation
    /// of the calling task (a test's) shuts them all down gracefully.
    func watch(
        config: FerryConfig, configFile: URL, sage: any Service, services: DemoWorkflow.ExtraServices
    ) async throws {
        let pipeline = try Pipeline(config: config, registry: BuiltinTasks.registry, logger: logger, observers: observers)
        let watch = WatchService(
            pipeline: pipeline, configFile: configFile, registry: BuiltinTasks.registry, logger: logger,
            makeObservers: { [observers] _ in observers })
        let standIns: [any Service] = [
            SandboxService(sandbox: sandbox, newOrderEvery: options.newOrderEvery, logger: logger), sage,
        ]
        let group = ServiceGroup(
            configuration: .init(
                services: (standIns + [watch] + (try services(watch))).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // Cancellation becomes the graceful shutdown Ctrl-C starts: the watch stops only that way, so the group
        // runs in a task of its own that the caller's cancellation does not reach.
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }
}

extension DemoWorkflow.Summary {
    /// Runs `pipeline`'s scheduled stages whose names pass `include`, then drains it, counting what both did.
    mutating func runScheduledThenDrain(
        _ pipeline: Pipeline, including include: (String) -> Bool = { _ in true }
    ) async throws {
        for stage in pipeline.stageNames where stage.scheduled && include(stage.name) {
            add(try await pipeline.runScheduled(stage: stage.name))
        }
        add(await pipeline.drain())
    }
}

/// Keeps the Magento sandbox listening until shutdown, adding an order every interval (the demo and `ferry
/// sandbox`).
public struct SandboxService: Service {
    let sandbox: MagentoSandboxServer
    let newOrderEvery: Duration?
    let logger: Logger

    /// A service for a started sandbox.
    /// - Parameters:
    ///   - newOrderEvery: how often a customer places an order (nil: never).
    ///   - logger: where each new order is logged.
    public init(sandbox: MagentoSandboxServer, newOrderEvery: Duration?, logger: Logger) {
        self.sandbox = sandbox
        self.newOrderEvery = newOrderEvery
        self.logger = logger
    }

    /// Places orders until shutdown, then stops the sandbox.
    public func run() async throws {
        // Its sleep ends in a CancellationError at shutdown: Ctrl-C is how the demo ends, not an error.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard let every = newOrderEvery else {
                    try await Task.sleep(for: .seconds(3600))
                    continue
                }
                try await Task.sleep(for: every)
                let id = await sandbox.store.addOrder()
                logger.info("a customer placed an order in the sandbox", metadata: ["ferry.order": "\(id)"])
            }
        }
        await sandbox.stop()
    }
}

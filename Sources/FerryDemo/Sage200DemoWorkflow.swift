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
public final class Sage200DemoWorkflow: StandInDemo {
    /// The config after the demo's adjustments (download interval); the stand-ins' URLs are set when they start.
    public var config: FerryConfig { setup.config }
    /// The Magento stand-in.
    public var sandbox: MagentoSandboxServer { setup.sandbox }
    /// The Sage 200 stand-in.
    public let sage: Sage200SandboxServer
    private let setup: DemoSetup
    private var logger: Logger { setup.logger }

    /// Prepares both stand-ins for `config` (neither is listening yet).
    public init(
        config: FerryConfig, options: DemoWorkflow.Options = .init(), logger: Logger,
        observers: [any PipelineObserver] = []
    ) throws {
        setup = try DemoSetup(config: config, options: options, logger: logger, observers: observers)
        sage = Sage200SandboxServer(logger: logger)
        // The stand-in accepts its own test credentials; a real Sage's come from the environment as usual.
        setenv("SAGE200_CLIENT_SECRET", Sage200SandboxOptions().clientSecret, 0)
    }

    /// Starts both stand-ins, points the config at them and authorizes ferry with the Sage 200 one.
    private func start() async throws -> FerryConfig {
        let magento = try await setup.startSandbox(port: setup.options.sandboxPort ?? 0)
        var config = magento.config
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
            metadata: ["ferry.url": "http://127.0.0.1:\(magento.port)", "ferry.sage200": "\(sage.baseURL)"])
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
            let pipeline = try setup.cyclePipeline(config: config)
            var summary = DemoWorkflow.Summary()
            try await summary.runScheduledThenDrain(pipeline)
            // Stock again now that Sage 200 allocated the orders' lines.
            try await summary.runScheduledThenDrain(pipeline, including: { $0.contains("stock") })
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
    public func runUntilStopped(
        configFile: URL, services: @escaping DemoWorkflow.ExtraServices = { _ in [] }
    ) async throws {
        try await setup.watch(
            config: try await start(), configFile: configFile, sage: Sage200StandInService(server: sage),
            services: services)
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

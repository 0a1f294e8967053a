public import FerryPipeline
import FerryStages
import FerryValues
import FerryXML
public import Foundation
public import Logging
import MagentoSandbox
import SageSide
import SageSimulator
public import ServiceLifecycle
import UnixSignals

/// The default workflow run against the two stand-ins: the Magento sandbox and the Sage-side simulator.
///
/// `ferry demo` runs the three together until Ctrl-C; `ferry demo --once` runs one full cycle and prints a
/// summary. The end-to-end test drives the same code.
public final class DemoWorkflow: StandInDemo {
    /// How the demo runs.
    public struct Options: Sendable {
        /// Orders the sandbox starts with.
        public var initialOrders = 25
        /// A new sandbox order every interval while watching (nil: none).
        public var newOrderEvery: Duration? = .seconds(10)
        /// Overrides the download stage's interval so new orders show up quickly (nil: the config's).
        public var downloadEvery: Duration? = .seconds(15)
        /// How often the simulator exports stock while watching.
        public var stockExportEvery: Duration = .seconds(30)
        /// The sandbox's port; nil takes the port of `connections.magento.baseUrl`, 0 a free one.
        public var sandboxPort: Int?
        /// Seed of the sandbox's orders.
        public var seed: UInt64 = 1
        /// Orders Sage should refuse: the simulator fails imports whose stock code it does not know.
        public var sageFailsUnknownStock = false

        /// The defaults.
        public init() {}
    }

    /// Makes the services that run beside the demo's watch, given that watch (its pipeline is replaced on a
    /// reload): `ferry demo` adds the operator console this way, so FerryDemo does not depend on it.
    public typealias ExtraServices = @Sendable (WatchService) throws -> [any Service]

    /// The config after the demo's adjustments (download interval); the sandbox's URL is set when it starts.
    public var config: FerryConfig { setup.config }
    /// The Magento stand-in.
    public var sandbox: MagentoSandboxServer { setup.sandbox }
    /// The Sage stand-in.
    public let simulator: SageSimulator
    private let setup: DemoSetup

    /// Prepares the sandbox and the simulator for `config` (the sandbox is not listening yet).
    public init(config: FerryConfig, options: Options = Options(), logger: Logger, observers: [any PipelineObserver] = []) throws {
        setup = try DemoSetup(config: config, options: options, logger: logger, observers: observers)
        var settings = SageSimulatorSettings(root: config.root, databasePath: setup.stateFolder.appendingPathComponent("sage-sim.sqlite").path)
        settings.pollInterval = .milliseconds(500)
        settings.stockExportInterval = options.stockExportEvery
        settings.unknownStockCode = options.sageFailsUnknownStock ? .fail : .useS1
        simulator = try SageSimulator(settings: settings, logger: logger)
    }

    /// The port the config's Magento base URL names.
    private var configuredPort: Int {
        guard case .object(let magento)? = config.connections["magento"], case .string(let url)? = magento["baseUrl"] else { return 8080 }
        return URLComponents(string: url)?.port ?? 8080
    }

    /// Starts the sandbox and returns the config pointing at it.
    private func startSandbox() async throws -> FerryConfig {
        let (config, port) = try await setup.startSandbox(port: setup.options.sandboxPort ?? configuredPort)
        setup.logger.info("Magento sandbox listening", metadata: ["ferry.url": "http://127.0.0.1:\(port)"])
        return config
    }

    // MARK: One cycle

    /// What one cycle did, for the summary table.
    public struct Summary: Sendable {
        /// Orders downloaded from Magento.
        public var downloaded = 0
        /// Orders refused by pre-validation, with their reasons.
        public var preValidationFailures: [(order: String, reason: String)] = []
        /// Orders imported into Sage.
        public var imported = 0
        /// Orders Sage rejected, with their reasons.
        public var sageRejections: [(order: String, reason: String)] = []
        /// Orders updated in Magento.
        public var updated = 0
        /// SKUs whose level changed and were sent.
        public var skusChanged = 0
        /// SKUs uploaded.
        public var skusUploaded = 0
        /// Files quarantined in failed/.
        public var quarantined = 0

        /// The table `ferry demo --once` prints.
        public var table: String {
            var lines = [
                "orders downloaded from Magento      \(downloaded)",
                "orders failed pre-validation        \(preValidationFailures.count)",
                "orders imported into Sage           \(imported)",
                "orders rejected by Sage             \(sageRejections.count)",
                "orders updated in Magento           \(updated)",
                "SKUs changed                        \(skusChanged)",
                "SKUs uploaded                       \(skusUploaded)",
                "files quarantined                   \(quarantined)",
            ]
            for failure in preValidationFailures.prefix(20) { lines.append("  pre-validation: order \(failure.order): \(failure.reason)") }
            for failure in sageRejections.prefix(20) { lines.append("  Sage rejected: order \(failure.order): \(failure.reason)") }
            return lines.joined(separator: "\n")
        }
    }

    /// Runs download -> map -> Sage import -> success map -> Magento update -> stock export -> map -> upload, once.
    public func runOnce() async throws -> Summary {
        let config = try await startSandbox()
        defer { Task { [sandbox] in await sandbox.stop() } }
        let pipeline = try setup.cyclePipeline(config: config)
        var summary = Summary()
        try await summary.runScheduledThenDrain(pipeline)
        summary.preValidationFailures = Self.failedRecords(in: config.root.appendingPathComponent("outbox/prevalidation-failed"))
        let report = try await simulator.runOnce()
        summary.imported = report.imported
        summary.sageRejections = Self.failedRecords(in: simulator.settings.failedFolder)
        summary.add(await pipeline.drain())
        _ = try await simulator.exportStock(all: true)
        summary.add(await pipeline.drain())
        await sandbox.stop()
        return summary
    }

    /// Orders and reasons of Zynk-style fail records (`<Errors>` first in each `SalesOrder`) in `folder`.
    static func failedRecords(in folder: URL) -> [(order: String, reason: String)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".xml") && !$0.hasPrefix(".") }.sorted()
        var result: [(String, String)] = []
        for name in names {
            try? XMLRecordReader(url: folder.appendingPathComponent(name)).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { record in
                let order = record.string("CustomerOrderNumber") ?? record.string("Id") ?? "?"
                let reasons = record.child("Errors")?.children(named: "Error").compactMap { $0.string("Description") } ?? []
                result.append((order, reasons.joined(separator: "; ")))
            }
        }
        return result
    }

    // MARK: Until Ctrl-C

    /// Runs the sandbox, the simulator and `ferry watch` together until SIGINT/SIGTERM; new sandbox orders
    /// keep arriving. The three stop cleanly.
    /// - Parameter services: more services for the group, made for its watch (`ferry demo`'s operator console).
    public func runUntilStopped(configFile: URL, services: @escaping ExtraServices = { _ in [] }) async throws {
        try await setup.watch(
            config: try await startSandbox(), configFile: configFile, sage: SimulatorService(simulator: simulator),
            services: services)
    }
}

extension DemoWorkflow.Summary {
    mutating func add(_ counters: [String: Int]) {
        downloaded += counters["orders.downloaded", default: 0]
        updated += counters["orders.updated", default: 0]
        skusUploaded += counters["skus.uploaded", default: 0]
        skusChanged += counters["skus.uploaded", default: 0] + counters["skus.unknown", default: 0]
    }

    mutating func add(_ report: Pipeline.DrainReport) {
        add(report.counters)
        quarantined += report.quarantined
    }
}

/// Runs the simulator's polling loop until shutdown.
struct SimulatorService: Service {
    let simulator: SageSimulator

    func run() async throws {
        // Its sleep ends in a CancellationError at shutdown: Ctrl-C is how the demo ends, not an error.
        try? await cancelWhenGracefulShutdown { try await simulator.run() }
    }
}

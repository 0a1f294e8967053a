import ArgumentParser
import FerryDemo
import FerryObservability
import FerryPipeline
import FerryStages
import FerryState
import Foundation
import Logging
import MagentoSandbox
import SageSide
import SageSimulator
import ServiceLifecycle
import UnixSignals

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the default workflow against the Magento sandbox and the Sage simulator.",
        discussion: "Until Ctrl-C, with new sandbox orders arriving; or --once: one full cycle and a summary table.")

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Run one full cycle, print a summary and exit.")
    var once = false

    @Option(name: .long, help: "Orders the sandbox starts with.")
    var orders = 25

    @Option(name: .long, help: "The sandbox's port (default: the one in connections.magento.baseUrl; 0 for any free port).")
    var port: Int?

    @Option(name: .long, help: "Seconds between new sandbox orders while running (0: none).")
    var newOrderEvery = 10

    @Option(name: .long, help: "Seconds between order downloads in the demo (overrides the config).")
    var downloadEvery = 15

    @Flag(name: .long, help: "Run config.sage200.json's workflow against the Magento sandbox and the Sage 200 stand-in.")
    var sage200 = false

    @OptionGroup var console: DemoConsoleOptions

    func run() async throws {
        var demoOptions = DemoWorkflow.Options()
        demoOptions.initialOrders = orders
        demoOptions.sandboxPort = port
        demoOptions.newOrderEvery = newOrderEvery > 0 ? .seconds(newOrderEvery) : nil
        demoOptions.downloadEvery = .seconds(downloadEvery)
        var options = self.options
        // --sage200 runs the Sage 200 workflow's own config unless --config names another.
        if sage200, options.config == "config.json" { options.config = "config.sage200.json" }
        let config = try options.load()
        let logger = options.bootstrapLogging(config.logLevel)
        let observers = LiveObservers()
        let demo: any StandInDemo = try operational {
            let live = try observers.make(config: config, logger: logger)
            if sage200 { return try Sage200DemoWorkflow(config: config, options: demoOptions, logger: logger, observers: live) }
            return try DemoWorkflow(config: config, options: demoOptions, logger: logger, observers: live)
        }
        if once {
            print(try await operationalAsync { try await demo.runOnce() }.table)
        } else {
            try await demo.runUntilStopped(
                configFile: options.url, services: try console.services(config: config, observers: observers, logger: logger))
        }
    }
}

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "Run the Magento sandbox: Magento's REST contract on 127.0.0.1, seeded.")

    @Option(name: .long, help: "Port on 127.0.0.1 (0: any free port).")
    var port = 8080

    @Option(name: .long, help: "Orders to start with.")
    var orders = 50

    @Option(name: .long, help: "Seed of the generated data.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Past-the-last-page behaviour: clamp (2.3) or empty (2.4).")
    var pastLastPage = "empty"

    @Flag(name: .long, help: "Enforce Magento's web API input limits (pageSize 300, arrays of 20).")
    var inputLimits = false

    @Option(name: .long, help: "Fraction (0-1) of calls applied, then cut off with no byte of answer (a dying proxy).")
    var applyThenDrop = 0.0

    func run() async throws {
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: .info) }
        let logger = Logger(label: "ferry.sandbox")
        var options = MagentoSandboxOptions()
        options.recordRequests = false
        options.inputLimits = inputLimits
        guard (0...1).contains(applyThenDrop) else { throw ValidationError("--apply-then-drop must be 0...1") }
        options.faults.applyThenDrop = applyThenDrop
        guard let mode = MagentoSandboxOptions.PastLastPage(rawValue: pastLastPage) else {
            throw ValidationError("--past-last-page must be clamp or empty")
        }
        options.pastLastPage = mode
        let sandbox = MagentoSandboxServer(seed: seed, orders: orders, options: options, catalogue: DemoCatalogueBridge.sandboxCatalogue(), logger: logger)
        let bound = try await sandbox.start(host: "127.0.0.1", port: port)
        print("Magento sandbox on http://127.0.0.1:\(bound) (token: \(options.bearerTokens[0]); add orders: POST /sandbox/orders?count=N)")
        try await runUntilSignalled(SandboxService(sandbox: sandbox, newOrderEvery: nil, logger: logger), logger: logger)
    }
}

struct SageSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sage-sim",
        abstract: "Run the Sage-side simulator: imports outbox/sage-orders, writes success/fail files, exports stock.")

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Import what is waiting and export stock once, then exit.")
    var once = false

    @Flag(name: .long, help: "Fail orders with an unknown stock code instead of using S1.")
    var failUnknownStock = false

    @Flag(name: .long, help: "Fault: every file fails with \"Username is already in use\".")
    var usernameInUse = false

    @Option(name: .long, help: "Seconds between stock exports.")
    var stockEvery = 60

    @Option(name: .long, help: "Fault: milliseconds added per imported order (a slow Sage).")
    var importDelayMs = 0

    @Flag(name: .long, help: "Fault: after a crash, report the orders already imported as \"already imported\" failures.")
    var forgetImportsOnRestart = false

    func run() async throws {
        let config = try options.load()
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: config.logLevel) }
        let logger = Logger(label: "ferry.sage-sim")
        var settings = SageSimulatorSettings(root: config.root, databasePath: config.stateStore.deletingLastPathComponent().appendingPathComponent("sage-sim.sqlite").path)
        settings.unknownStockCode = failUnknownStock ? .fail : .useS1
        settings.faults.usernameInUse = usernameInUse
        settings.faults.importDelay = .milliseconds(importDelayMs)
        settings.faults.forgetImportsOnRestart = forgetImportsOnRestart
        settings.stockExportInterval = .seconds(stockEvery)
        let problems = settings.apply(config: config)
        if problems.contains(where: { !$0.isWarning }) {
            for problem in problems { FileHandleOutput.error("\(problem)") }
            throw ExitCode(ExitStatus.config)
        }
        try FileManager.default.createDirectory(at: config.stateStore.deletingLastPathComponent(), withIntermediateDirectories: true)
        let simulator = try SageSimulator(settings: settings, logger: logger)
        if once {
            let report = try await simulator.runOnce()
            let stock = try await simulator.exportStock(all: true)
            print("files \(report.files), imported \(report.imported), failed \(report.failed); stock export: \(stock?.lastPathComponent ?? "none")")
            return
        }
        try await runUntilSignalled(SimService(simulator: simulator), logger: logger)
    }

    /// The simulator until shutdown; unlike the demo's, its failure is the command's.
    private struct SimService: Service {
        let simulator: SageSimulator
        func run() async throws { try await cancelWhenGracefulShutdown { try await simulator.run() } }
    }
}

/// Runs `service` until SIGTERM or SIGINT: the stand-in commands' one service.
func runUntilSignalled(_ service: some Service, logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The duplicate-proof ledger: which Magento order became which Sage order.",
        subcommands: [Show.self, Export.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an order by entity id, increment id or Sage order number.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The order.") var order: String

        func run() async throws {
            let store = try openStore(options)
            let entries = try Ledger.show(store: store, order: order)
            guard !entries.isEmpty else {
                print("no ledger entry for \(order)")
                throw ExitCode(1)
            }
            print(entries.map(Ledger.describe).joined(separator: "\n"))
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the whole ledger as CSV.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            print(try Ledger.exportCSV(store: try openStore(options)), terminator: "")
        }
    }

    static func openStore(_ options: ConfigOptions) throws -> StateStore {
        let config = try options.load()
        return try operational { try StateStore(path: config.stateStore.path, migrations: BuiltinTasks.registry.migrations) }
    }
}

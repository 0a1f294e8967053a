public import FerryPipeline
public import Logging
public import ServiceLifecycle
import Synchronization

/// `ferry watch`'s operator console, following config.json's `console` section: serves the section found at
/// start and, after each SIGHUP reload (``WatchService/reloadedConfigurations``), restarts the server when
/// `listen`, `user` or `password` changed, stops it when the section is gone and starts it when one appears.
///
/// A restart stops the old server first (a browser's open event stream ends; the page reconnects), so a new
/// `listen` on the same port never meets the old socket. A reload whose section is invalid keeps the console as it
/// was and logs why; the pipeline's reload is not held up by it.
public final class ConsoleReloader: Service, Sendable {
    private let initial: ConsoleSettings?
    private let reloads: AsyncStream<FerryConfig>
    private let makeConsole: @Sendable (ConsoleSettings) throws -> ConsoleService
    private let logger: Logger
    private let serving = Mutex<ConsoleService?>(nil)
    private let announce: AsyncStream<ConsoleService?>.Continuation

    /// Each console the reloader starts serving, nil when it goes off (or cannot be built); newest only. For one
    /// reader that waits for the console instead of polling ``console`` (the demo's address line). It ends when
    /// ``run()`` does.
    public let consoles: AsyncStream<ConsoleService?>

    /// Creates the reloader; nothing listens before ``run()``.
    /// - Parameters:
    ///   - settings: the section at start; nil: the console is off until a reload adds the section.
    ///   - reloads: the configurations reloads start (``WatchService/reloadedConfigurations``).
    ///   - logger: restarts and refused sections are logged here.
    ///   - makeConsole: builds the console for settings (the pipeline and metrics it shows).
    public init(
        settings: ConsoleSettings?, reloads: AsyncStream<FerryConfig>, logger: Logger,
        makeConsole: @escaping @Sendable (ConsoleSettings) throws -> ConsoleService
    ) {
        initial = settings
        self.reloads = reloads
        self.logger = logger
        self.makeConsole = makeConsole
        (consoles, announce) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The console serving now; nil while the console is off.
    public var console: ConsoleService? { serving.withLock { $0 } }

    /// Serves until graceful shutdown, restarting the console as reloads change its section.
    public func run() async {
        defer { announce.finish() }
        var settings = initial
        var running = start(settings)
        for await config in reloads.cancelOnGracefulShutdown() {
            let next: ConsoleSettings?
            do {
                next = try ConsoleSettings.from(config: config)
            } catch {
                logger.error(
                    "SIGHUP: the console section is invalid; the operator console keeps its previous settings",
                    metadata: ["ferry.key": "console", "ferry.reason": "\(Redaction.message(of: error))"])
                continue
            }
            guard !Self.sameServer(next, settings) else { continue }
            running?.cancel()
            await running?.value
            settings = next
            running = start(next)
            logger.info(
                next == nil ? "SIGHUP: the console section is gone, the operator console stopped"
                    : "SIGHUP: the console section changed, the operator console restarts",
                metadata: ["ferry.key": "console"])
        }
        // A graceful shutdown reaches the console itself (its task inherits it); a cancellation is passed on.
        let last = running
        await withTaskCancellationHandler { await last?.value } onCancel: { last?.cancel() }
    }

    /// Starts serving `settings` in a task of its own (a restart cancels it); nil when off.
    private func start(_ settings: ConsoleSettings?) -> Task<Void, Never>? {
        guard let settings else {
            serving.withLock { $0 = nil }
            announce.yield(nil)
            return nil
        }
        let console: ConsoleService
        do {
            console = try makeConsole(settings)
        } catch {
            logger.error("the operator console cannot be built", metadata: ["ferry.reason": "\(Redaction.message(of: error))"])
            serving.withLock { $0 = nil }
            announce.yield(nil)
            return nil
        }
        serving.withLock { $0 = console }
        announce.yield(console)
        return Task { try? await console.run() }
    }

    /// True when both settings make the same server: same address, same user, same password reference (the
    /// password's file itself is read on each request, so a new password there needs no restart).
    static func sameServer(_ a: ConsoleSettings?, _ b: ConsoleSettings?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.host == b.host && a.port == b.port && a.user == b.user && a.password?.reference == b.password?.reference
    }
}

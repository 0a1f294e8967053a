public import Hummingbird
public import Logging
import NIOCore
import Synchronization

/// The HTTP life cycle the stand-ins share (the Magento sandbox, the Sage 200 sandbox): listen on a loopback port
/// (0 picks a free one), run until the calling task is cancelled, stop. Each stand-in supplies only its responder.
public final class LoopbackHTTPServer<Context: RequestContext>: Sendable
where Context: InitializableFromSource<ApplicationRequestContextSource> {
    private let running = Mutex<(task: Task<Void, any Error>?, port: Int?)>((nil, nil))
    private let serverName: String
    private let logger: Logger

    /// Creates a server that is not yet listening.
    /// - Parameters:
    ///   - serverName: the `Server` header it answers with.
    ///   - logger: its logger; shutting a test server down logs cancellations as errors, so only critical lines show.
    public init(serverName: String, logger: Logger) {
        self.serverName = serverName
        var quiet = logger
        quiet.logLevel = .critical
        self.logger = quiet
    }

    /// The bound port once started.
    public var port: Int? { running.withLock { $0.port } }

    /// Starts listening and answers every request with `respond`.
    /// - Returns: the bound port.
    /// - Throws: the server's error when it ends before listening (the port taken: NIO's "Address already in use").
    public func start(
        host: String, port: Int, respond: @escaping @Sendable (Request, Context) async throws -> Response
    ) async throws -> Int {
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: CallbackResponder<Context>(callback: respond),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let task = Task {
            // A server that ends before it listens ends the wait for its port too.
            defer { portContinuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var bound: Int?
        for await p in portStream {
            bound = p
            break
        }
        guard let bound else {
            try await task.value
            throw CancellationError()  // it ended without an error only because it was cancelled
        }
        running.withLock { $0 = (task, bound) }
        return bound
    }

    /// Runs until the calling task is cancelled (the stand-ins' own commands).
    public func run() async throws {
        guard let task = running.withLock({ $0.task }) else { return }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// Stops the server.
    public func stop() async {
        guard let task = running.withLock({ $0.task }) else { return }
        task.cancel()
        _ = try? await task.value
        running.withLock { $0 = (nil, nil) }
    }
}

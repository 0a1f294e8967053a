public import FerryPipeline
import Foundation
import Hummingbird
public import Logging
import Mustache
public import ServiceLifecycle
import StandInHTTP

/// The operator console: server-rendered pages over ferry's folders, its state store and its status report,
/// served by `ferry watch` as one more service of its group (docs/console.md).
///
/// Read-only pages read the state store through its read path (a snapshot on a reader connection) off the
/// cooperative pool, so neither a page nor 200 open event streams hold up the engine; Retry and Dismiss are POSTs
/// with CSRF protection, logged with who did what. A failure to listen is logged and leaves the engine running.
public final class ConsoleService: Service, Sendable {
    let settings: ConsoleSettings
    let pipeline: @Sendable () -> Pipeline?
    let metrics: (@Sendable () -> String)?
    let logger: Logger
    let security: ConsoleSecurity
    let templates: MustacheLibrary
    let feed: OverviewFeed
    private let server: LoopbackHTTPServer<BasicRequestContext>
    /// The bound port once the console listens, nil when it cannot (the port taken); one consumer (`ferry demo`
    /// prints the URL from it, tests connect to it), finished by ``stop()``.
    public let listening: AsyncStream<Int?>
    private let listened: AsyncStream<Int?>.Continuation

    /// Creates the console, not yet listening.
    /// - Parameters:
    ///   - settings: where to listen, who may use it.
    ///   - pipeline: the pipeline running now (``WatchService/pipeline``: a reload replaces it).
    ///   - metrics: the Prometheus text of the running metrics observer, nil without a `metrics` section.
    ///   - liveInterval: how often the overview's open event streams get new figures.
    ///   - logger: actions (who retried or dismissed what) and failures are logged here.
    /// - Throws: when a compiled-in template does not parse (a programming error caught by the tests).
    public init(
        settings: ConsoleSettings, pipeline: @escaping @Sendable () -> Pipeline?, metrics: (@Sendable () -> String)? = nil,
        liveInterval: Duration = .seconds(2), logger: Logger
    ) throws {
        self.settings = settings
        self.pipeline = pipeline
        self.metrics = metrics
        self.logger = logger
        security = ConsoleSecurity(settings: settings)
        templates = try ConsoleTemplates.library()
        feed = OverviewFeed(interval: liveInterval) {
            guard let running = pipeline() else { return nil }
            return try? await offload { try Overview.read(pipeline: running).event }
        }
        server = LoopbackHTTPServer(serverName: "ferry-console", logger: logger)
        (listening, listened) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The bound port while listening, else nil.
    public var port: Int? { server.port }

    /// Starts listening.
    /// - Returns: the bound port (the configured one, or the one the system picked for port 0).
    public func start() async throws -> Int {
        let port = try await server.start(host: settings.host, port: settings.port) { [self] request, _ in
            var response = await respond(to: request)
            for (name, value) in ConsoleSecurity.headers { response.headers[.init(name)!] = value }
            return response
        }
        logger.info("operator console listening", metadata: ["ferry.url": "\(url(port: port))", "ferry.auth": "\(settings.password == nil ? "none (loopback)" : "required")"])
        listened.yield(port)
        return port
    }

    /// Ends the open event streams and stops listening.
    public func stop() async {
        listened.finish()
        feed.close()
        await server.stop()
    }

    /// Serves until graceful shutdown. A console that cannot listen (the port taken) is logged as an error and
    /// waits for the shutdown: the engine beside it keeps running.
    public func run() async throws {
        do {
            _ = try await start()
        } catch {
            logger.error(
                "the operator console cannot listen; ferry goes on without it",
                metadata: ["ferry.key": "console.listen", "ferry.reason": "\(Redaction.message(of: error))"])
            listened.yield(nil)
            try? await gracefulShutdown()
            return
        }
        await withGracefulShutdownHandler {
            try? await cancelWhenGracefulShutdown { try await self.server.run() }
        } onGracefulShutdown: { [feed] in
            feed.close()
        }
        await stop()
    }

    /// The console's address on `port` (an IPv6 host in brackets), as a browser takes it.
    public func url(port: Int) -> String {
        let host = settings.host.contains(":") && !settings.host.hasPrefix("[") ? "[\(settings.host)]" : settings.host
        return "http://\(host):\(port)/"
    }

    /// Routes one request (every answer then gets ``ConsoleSecurity/headers``).
    func respond(to request: Request) async -> Response {
        let path = request.uri.path
        switch (request.method, path) {
        case (.get, "/healthz"): return await healthz()
        case (.get, "/static/console.css"): return Self.text(ConsoleAssets.css, type: "text/css; charset=utf-8")
        case (.get, "/static/console.js"): return Self.text(ConsoleAssets.js, type: "text/javascript; charset=utf-8")
        default: break
        }
        let user: String
        do {
            guard let known = try security.user(of: request) else { return ConsoleSecurity.challenge() }
            user = known
        } catch {
            logger.error("the console's password cannot be read", metadata: ["ferry.key": "console.password", "ferry.reason": "\(Redaction.message(of: error))"])
            return Self.text("the console's password cannot be read: see ferry's log (console.password)\n", status: .internalServerError)
        }
        guard let pipeline = pipeline() else {
            return Self.text("ferry is restarting its pipeline: reload in a moment\n", status: .serviceUnavailable)
        }
        let query = Self.form(request.uri.query ?? "")
        let page = Page(user: user, csrf: ConsoleSecurity.csrfToken(of: request), query: query)
        do {
            switch (request.method, path) {
            case (.get, "/"): return try await overview(pipeline, page)
            case (.get, "/orders"): return try await orders(pipeline, page)
            case (.get, "/quarantine"): return try await quarantine(pipeline, page)
            case (.get, "/file"): return try await file(pipeline, page)
            case (.get, "/runs"): return try await runs(pipeline, page)
            case (.get, "/events"): return events()
            case (.get, "/metrics"):
                guard let metrics else {
                    return Self.text("no metrics section in config.json: add \"metrics\": {\"textfile\": \"state/ferry.prom\"} to collect figures\n", status: .notFound)
                }
                return Self.text(metrics(), type: "text/plain; version=0.0.4; charset=utf-8")
            case (.post, "/quarantine/retry"), (.post, "/quarantine/dismiss"):
                var request = request
                let body = try await request.collectBody(upTo: 65_536)
                let form = Self.form(String(buffer: body))
                if let problem = ConsoleSecurity.forgeryProblem(of: request, form: form) {
                    logger.warning("console: refused a forged or stale action", metadata: ["ferry.user": "\(user)", "ferry.action": "\(path)", "ferry.reason": "\(problem)"])
                    return Self.text(problem + "\n", status: .forbidden)
                }
                return try await act(path == "/quarantine/retry" ? .retry : .dismiss, form: form, user: user, pipeline: pipeline)
            case (.get, _), (.post, _): return Self.text("no such page: \(path)\n", status: .notFound)
            default: return Self.text("only GET and POST\n", status: .methodNotAllowed)
            }
        } catch {
            logger.warning("console: a page failed", metadata: ["ferry.page": "\(path)", "ferry.reason": "\(Redaction.message(of: error))"])
            return Self.text("\(Redaction.message(of: error))\n", status: .serviceUnavailable)
        }
    }

    /// `/healthz`: 200 while every stage is ok or only has quarantined files (a person's work, not a fault of
    /// the process), 503 while a stage is degraded or the state store cannot be read. No login: it tells little.
    func healthz() async -> Response {
        guard let pipeline = pipeline() else { return Self.text("{\"status\":\"restarting\"}\n", status: .serviceUnavailable, type: "application/json") }
        do {
            let overview = try await offload { try Overview.read(pipeline: pipeline) }
            return Self.text("{\"status\":\"\(overview.health)\"}\n", status: overview.health == "degraded" ? .serviceUnavailable : .ok, type: "application/json")
        } catch {
            return Self.text("{\"status\":\"state store unreadable\"}\n", status: .serviceUnavailable, type: "application/json")
        }
    }

    /// `/events`: the overview's figures as server-sent events, every `liveInterval`.
    func events() -> Response {
        let stream = feed.subscribe()
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                for await event in stream { try await writer.write(ByteBuffer(string: event)) }
                try await writer.finish(nil)
            })
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `a=1&b=x%2Fy` (a query or a form body) as a dictionary; `+` is a space; a key given twice keeps the first.
    static func form(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                let value = (parts.count > 1 ? String(parts[1]) : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                values[key] == nil
            else { continue }
            values[key] = value
        }
        return values
    }
}

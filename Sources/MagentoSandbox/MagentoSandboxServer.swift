import FerryValues
public import Foundation
import Hummingbird
import Logging
public import MagentoConnector
import NIOCore
import StandInHTTP
import Synchronization

/// A Magento 2 REST stand-in for tests and demos: the contract of Adobe's admin schema, seeded data, faults.
///
/// ```swift
/// let sandbox = MagentoSandboxServer(seed: 1, orders: 200)
/// let port = try await sandbox.start(port: 0)
/// // ... use http://127.0.0.1:\(port) with token "sandbox-token"
/// await sandbox.stop()
/// ```
public final class MagentoSandboxServer: Sendable {
    /// The data; tests read and change it directly.
    public let store: SandboxStore
    private let options: Mutex<MagentoSandboxOptions>
    private let http: LoopbackHTTPServer<ConnectionRequestContext>

    /// Creates a sandbox with `orders` generated orders.
    ///
    /// - Parameter catalogue: the products it sells; nil for its own generated catalogue. The demo passes the
    ///   shared demo catalogue so the Sage simulator stocks the same SKUs.
    public init(
        seed: UInt64 = 1, orders: Int = 50, options: MagentoSandboxOptions = .init(),
        catalogue: [SandboxProduct]? = nil, logger: Logger = Logger(label: "ferry.sandbox")
    ) {
        self.store = SandboxStore(seed: seed, orders: orders, faultSeed: options.faults.seed, catalogue: catalogue,
            taxSettings: options.taxSettings)
        self.options = Mutex(options)
        self.http = LoopbackHTTPServer(serverName: "ferry-sandbox", logger: logger)
    }

    /// The current options.
    public var currentOptions: MagentoSandboxOptions { options.withLock { $0 } }

    /// Changes options while running (maintenance on/off, faults, limits).
    public func updateOptions(_ change: (inout MagentoSandboxOptions) -> Void) { options.withLock { change(&$0) } }

    /// `http://127.0.0.1:<port>` once started.
    public var baseURL: String { "http://127.0.0.1:\(http.port ?? 0)" }

    /// Starts listening; returns the bound port (0 picks a free one).
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        try await http.start(host: host, port: port) { [self] request, context in
            try await self.respond(request, context: context)
        }
    }

    /// Runs until the calling task is cancelled (the `ferry sandbox` command).
    public func run() async throws { try await http.run() }

    /// Stops the server.
    public func stop() async { await http.stop() }

    static let maintenancePage = """
        <!doctype html><html><head><title>Service Temporarily Unavailable</title></head>
        <body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service your request due \
        to maintenance downtime or capacity problems. Please try again later.</p></body></html>
        """

    /// Varnish's own error page (builtin.vcl), which a gateway in front of Magento answers when its backend fails.
    static let gatewayPage = """
        <!DOCTYPE html><html><head><title>503 Backend fetch failed</title></head><body>
        <h1>Error 503 Backend fetch failed</h1><p>Backend fetch failed</p><h3>Guru Meditation:</h3><p>XID: 32770</p>
        <hr><p>Varnish cache server</p></body></html>
        """

    private func respond(_ request: Request, context: ConnectionRequestContext) async throws -> Response {
        let options = currentOptions
        let raw = request.uri.description
        let rawPath = String(raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let rawQuery = raw.contains("?") ? String(raw.split(separator: "?", maxSplits: 1)[1]) : ""
        let query: [(String, String)] = rawQuery.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (
                OAuth1Signer.percentDecode(String(parts[0]), plusIsSpace: true),
                parts.count > 1 ? OAuth1Signer.percentDecode(String(parts[1]), plusIsSpace: true) : ""
            )
        }
        let segments = rawPath.split(separator: "/").map { OAuth1Signer.percentDecode(String($0)) }
        let method = request.method.rawValue
        let bodyBuffer = try await request.body.collect(upTo: 64 << 20)
        let bodyText = bodyBuffer.readableBytes > 0 ? String(buffer: bodyBuffer) : nil

        // Admin hook for demos: POST /sandbox/orders?count=N adds orders now.
        if segments.first == "sandbox" {
            if method == "POST", segments.count == 2, segments[1] == "orders" {
                let count = Int(query.first { $0.0 == "count" }?.1 ?? "1") ?? 1
                let ids = await store.addOrders(min(max(count, 1), 10_000))
                return json(200, .array(ids.map { .int($0) }))
            }
            return json(404, ["message": "Request does not match any route."])
        }

        if options.maintenance {
            // Logged like any answer: tests count the requests a client makes while the store is down.
            await log(method, rawPath, "maintenance", query, bodyText, 503, Self.maintenancePage, "maintenance", nil)
            return html(503, Self.maintenancePage)
        }

        // /rest/V1/... is /rest/default/V1/...
        guard segments.count >= 2, segments[0] == "rest" else { return json(404, APIAnswer.noRoute.body) }
        let v1 = segments[1] == "V1" ? 1 : (segments.count > 2 && segments[2] == "V1" ? 2 : -1)
        guard v1 > 0 else { return json(404, APIAnswer.noRoute.body) }
        let apiSegments = Array(segments[(v1 + 1)...])

        let authKind = authenticate(request, method: method, rawPath: rawPath, query: query, options: options)
        if authKind == nil {
            let answer = APIAnswer.error(
                401, "The consumer isn't authorized to access %resources.", ["resources": "Magento_Sales::sales"])
            await log(method, rawPath, "", query, bodyText, answer.status, answer.body.serialized, nil, nil)
            return json(answer.status, answer.body)
        }

        let faults = options.faults
        await store.callStarted()
        if faults.latencyMilliseconds > 0 {
            do { try await Task.sleep(for: .milliseconds(faults.latencyMilliseconds)) } catch {
                await store.callEnded()
                throw error
            }
        }
        await store.callEnded()
        let roll = await store.roll()
        var threshold = faults.rate500
        if roll < threshold {
            let body: JSONValue = ["message": "Internal Error. Details are available in Magento log file. Report ID: webapi-sandbox"]
            await log(method, rawPath, "", query, bodyText, 500, body.serialized, "500", authKind)
            return json(500, body)
        }
        threshold += faults.rate503
        if roll < threshold {
            await log(method, rawPath, "", query, bodyText, 503, "", "503", authKind)
            return html(503, Self.maintenancePage)
        }
        threshold += faults.rate429
        if roll < threshold {
            let body: JSONValue = ["message": "Too many requests"]
            await log(method, rawPath, "", query, bodyText, 429, body.serialized, "429", authKind)
            var response = json(429, body)
            response.headers[.retryAfter] = "1"
            return response
        }

        var parsedBody: JSONValue?
        if let bodyText {
            do {
                parsedBody = try JSONValue.parse(bodyText)
            } catch {
                let body: JSONValue = ["message": "Decoding error: %1", "parameters": [.string("\(error)")]]
                return json(400, body)
            }
        }
        if faults.applyLate > 0, method != "GET", await store.roll() < faults.applyLate {
            // Applied on a task of its own, which the client's going away does not cancel, as PHP goes on.
            let store = self.store
            let late = Task {
                try? await Task.sleep(for: .seconds(faults.lateSeconds))
                guard faults.lateApplies else { return nil as (answer: APIAnswer, route: String)? }
                return await store.handle(method: method, segments: apiSegments, query: query, body: parsedBody, options: options)
            }
            if let status = faults.gatewayStatus {
                await log(method, rawPath, "", query, bodyText, status, Self.gatewayPage, "gateway", authKind)
                return html(status, Self.gatewayPage)
            }
            guard let (answer, route) = await late.value else {
                await log(method, rawPath, "", query, bodyText, 504, "", "lost", authKind)
                throw CancellationError()
            }
            await log(method, rawPath, route, query, bodyText, answer.status, answer.body.serialized, "late", authKind)
            return json(answer.status, text: answer.body.serialized)
        }
        let (answer, route) = await store.handle(
            method: method, segments: apiSegments, query: query, body: parsedBody, options: options)
        let text = answer.body.serialized
        if faults.applyThenDrop > 0, await store.roll() < faults.applyThenDrop {
            // The effect is applied; the connection is closed before one byte of the answer leaves, as a proxy or
            // PHP-FPM worker dying after the commit does. A client that re-sends on a kept-alive connection
            // that died this way (libcurl does, silently) applies the effect twice.
            await log(method, rawPath, route, query, bodyText, answer.status, text, "applyThenDrop", authKind)
            try? await context.channel.close()
            throw CancellationError()
        }
        threshold += faults.dropAfterEffect
        let dropRoll = await store.roll()
        let drop = dropRoll < faults.dropAfterEffect
        let stall = !drop && dropRoll < faults.dropAfterEffect + faults.stallBody
        await log(method, rawPath, route, query, bodyText, answer.status, text, drop ? "drop" : stall ? "stall" : nil, authKind)
        if drop || stall {
            // Send the head and half the body, then cut the connection (drop) or hang (stall).
            let bytes = Array(text.utf8)
            let half = ByteBuffer(bytes: bytes.prefix(max(bytes.count / 2, 1)))
            let stallSeconds = faults.stallSeconds
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(
                status: .init(code: answer.status),
                headers: headers,
                body: ResponseBody(contentLength: bytes.count + 10) { writer in
                    try await writer.write(half)
                    if stall { try? await Task.sleep(for: .seconds(stallSeconds)) }
                    throw CancellationError()
                })
        }
        // The text already made for the log: a page of orders is serialised once, not twice.
        return json(answer.status, text: text)
    }

    private func log(
        _ method: String, _ path: String, _ route: String, _ query: [(String, String)], _ body: String?, _ status: Int,
        _ response: String, _ fault: String?, _ auth: String?
    ) async {
        guard currentOptions.recordRequests else { return }
        let decodedPath = "/" + path.split(separator: "/").map { OAuth1Signer.percentDecode(String($0)) }.joined(separator: "/")
        await store.record(
            SandboxLogEntry(
                method: method, path: decodedPath, route: route, query: query, requestBody: body, status: status,
                responseBody: response, fault: fault, auth: auth))
    }

    /// Returns "bearer"/"oauth" for a valid credential, nil otherwise.
    private func authenticate(
        _ request: Request, method: String, rawPath: String, query: [(String, String)], options: MagentoSandboxOptions
    ) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        if header.hasPrefix("Bearer ") {
            return options.bearerTokens.contains(String(header.dropFirst(7))) ? "bearer" : nil
        }
        guard header.hasPrefix("OAuth ") else { return nil }
        var params: [String: String] = [:]
        for field in header.dropFirst(6).split(separator: ",") {
            let kv = field.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            params[String(kv[0])] = OAuth1Signer.percentDecode(String(kv[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        }
        guard let key = params["oauth_consumer_key"], let token = params["oauth_token"],
            let signature = params["oauth_signature"],
            let methodName = params["oauth_signature_method"], let sigMethod = OAuth1Signer.Method(rawValue: methodName),
            let credentials = options.oauthCredentials.first(where: { $0.consumerKey == key && $0.accessToken == token })
        else { return nil }
        let host = (request.head.authority ?? "127.0.0.1").lowercased()
        let signed = query + params.filter { $0.key != "oauth_signature" && $0.key != "realm" }.map { ($0.key, $0.value) }
        let base = OAuth1Signer.baseString(method: method, baseURI: "http://\(host)\(rawPath)", parameters: signed)
        let expected = OAuth1Signer.signature(
            baseString: base, consumerSecret: credentials.consumerSecret, tokenSecret: credentials.accessTokenSecret,
            method: sigMethod)
        return expected == signature ? "oauth" : nil
    }

    private func json(_ status: Int, _ body: JSONValue) -> Response { json(status, text: body.serialized) }

    private func json(_ status: Int, text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private func html(_ status: Int, _ page: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=UTF-8"
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }
}

import FerryValues
import Foundation
import Hummingbird
import Logging
import MagentoConnector
import NIOCore
import StandInHTTP
import Synchronization

/// A Sage 200 API stand-in for tests and demos (`ferry sage200-sandbox`): Sage ID's token endpoint with rotating
/// refresh tokens, and the API under `/uk/sage200/accounts/v1` (and `sage200extra`) with the headers, OData rules
/// and field checks of the real one, plus faults.
///
/// ```swift
/// let sage = Sage200SandboxServer()
/// let port = try await sage.start(port: 0)
/// let code = await sage.store.issueCode()   // what the browser sign-in would hand back
/// ```
public final class Sage200SandboxServer: Sendable {
    /// The data; tests read and change it directly.
    public let store: Sage200SandboxStore
    private let options: Mutex<Sage200SandboxOptions>
    private let http: LoopbackHTTPServer<ConnectionRequestContext>

    /// Creates a stand-in stocked with `catalogue` (code, name, stock) or the shared demo catalogue.
    public init(
        options: Sage200SandboxOptions = .init(), catalogue: [(code: String, name: String, stock: Int)]? = nil,
        logger: Logger = Logger(label: "ferry.sage200-sandbox")
    ) {
        self.store = Sage200SandboxStore(catalogue: catalogue, faultSeed: options.faults.seed)
        self.options = Mutex(options)
        self.http = LoopbackHTTPServer(serverName: "ferry-sage200", logger: logger)
    }

    /// The current options.
    public var currentOptions: Sage200SandboxOptions { options.withLock { $0 } }

    /// Changes options while running (faults on and off).
    public func updateOptions(_ change: (inout Sage200SandboxOptions) -> Void) { options.withLock { change(&$0) } }

    /// `http://127.0.0.1:<port>` once started.
    public var baseURL: String { "http://127.0.0.1:\(http.port ?? 0)" }

    /// The API base URL a client is configured with.
    public var apiURL: String { baseURL + "/uk/sage200/accounts/v1" }

    /// Starts listening; returns the bound port (0 picks a free one).
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        try await http.start(host: host, port: port) { [self] request, context in
            try await self.respond(request, context: context)
        }
    }

    /// Runs until the calling task is cancelled (the `ferry sage200-sandbox` command).
    public func run() async throws { try await http.run() }

    /// Stops the server.
    public func stop() async { await http.stop() }

    private func respond(_ request: Request, context: ConnectionRequestContext) async throws -> Response {
        let options = currentOptions
        let raw = request.uri.description
        let rawPath = String(raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let rawQuery = raw.contains("?") ? String(raw.split(separator: "?", maxSplits: 1)[1]) : ""
        let query = Self.pairs(rawQuery)
        let segments = rawPath.split(separator: "/").map { OAuth1Signer.percentDecode(String($0)) }
        let method = request.method.rawValue
        let bodyBuffer = try await request.body.collect(upTo: 16 << 20)
        let bodyText = bodyBuffer.readableBytes > 0 ? String(buffer: bodyBuffer) : nil

        // Sage ID: the browser sign-in (consent is implied) and the token endpoint.
        if segments == ["authorize"], method == "GET" {
            let params = Dictionary(query, uniquingKeysWith: { first, _ in first })
            guard let redirect = params["redirect_uri"], params["client_id"] == options.clientId else {
                return json(400, ["error": "invalid_request", "error_description": "unknown client or no redirect_uri"])
            }
            let code = await store.issueCode()
            let state = OAuth1Signer.percentEncode(params["state"] ?? "")
            var headers = HTTPFields()
            headers[.location] = redirect + (redirect.contains("?") ? "&" : "?") + "code=\(code)&state=\(state)"
            return Response(status: .found, headers: headers)
        }
        if segments == ["oauth", "token"], method == "POST" {
            let form = Dictionary(Self.pairs(bodyText ?? ""), uniquingKeysWith: { first, _ in first })
            let (status, body) = await store.grant(form, options: options)
            return json(status, body)
        }

        guard segments.count >= 5, segments[0] == "uk", ["sage200", "sage200extra"].contains(segments[1]),
            segments[2] == "accounts", segments[3] == "v1"
        else { return json(404, ["Message": "No HTTP resource was found that matches the request URI."]) }
        let apiSegments = Array(segments[4...])

        let denied: JSONValue = ["Message": "Authorization has been denied for this request."]
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer "), await store.isValid(accessToken: String(header.dropFirst(7))) else {
            return json(401, denied)
        }
        // A wrong site or company is a 401 too, like the real API, not a 400.
        if apiSegments != ["sites"] {
            let site = request.headers[.init("X-Site")!]
            let company = request.headers[.init("X-Company")!]
            guard site == Sage200SandboxStore.siteId, company == String(Sage200SandboxStore.companyId) else {
                return json(401, denied)
            }
        }

        let faults = options.faults
        if faults.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(faults.latencyMilliseconds)) }
        let roll = await store.roll()
        if roll < faults.rate429 {
            await log(options, method, apiSegments, query, bodyText, 429, "", "429")
            var response = json(429, ["Message": "Rate limit is exceeded. Try again in 1 seconds."])
            response.headers[.retryAfter] = "1"
            return response
        }
        if roll < faults.rate429 + faults.rate5xx {
            let status = roll < faults.rate429 + faults.rate5xx / 2 ? 503 : 504
            await log(options, method, apiSegments, query, bodyText, status, "", "\(status)")
            return json(status, ["Message": "The service is unavailable."])
        }

        var parsed: JSONValue?
        if let bodyText {
            do { parsed = try JSONValue.parse(bodyText) } catch {
                return json(400, ["Message": .string("The request is invalid: \(error)")])
            }
        }
        let creating = method == "POST" && (apiSegments == ["sop_orders"] || apiSegments == ["customers"])
        if creating, faults.applyLate > 0, await store.roll() < faults.applyLate {
            // The gateway gives up at once; the server behind it goes on and creates the record later.
            var gateway = Sage200Answer.error(504, "The gateway timed out waiting for the Sage 200 server.")
            gateway.route = "/" + apiSegments[0]
            let fault = faults.lateApplies ? "applyLate" : "lateDropped"
            await log(options, method, apiSegments, query, bodyText, 504, gateway.body.serialized, fault, gateway)
            if faults.lateApplies {
                let store = self.store
                Task {
                    try? await Task.sleep(for: .milliseconds(faults.lateMilliseconds))
                    _ = await store.handle(method: method, segments: apiSegments, query: query, body: parsed)
                }
            }
            return json(504, gateway.body)
        }
        let answer = await store.handle(method: method, segments: apiSegments, query: query, body: parsed)
        let text = answer.body.serialized
        if answer.created, faults.applyThenDrop > 0, await store.roll() < faults.applyThenDrop {
            // Created; the connection closes before one byte of the answer leaves.
            await log(options, method, apiSegments, query, bodyText, answer.status, text, "applyThenDrop", answer)
            try? await context.channel.close()
            throw CancellationError()
        }
        var drop = false
        if answer.created { drop = await store.roll() < faults.dropAfterApply }
        await log(options, method, apiSegments, query, bodyText, answer.status, text, drop ? "drop" : nil, answer)
        if drop {
            // The record exists; the client sees half an answer and a cut connection.
            let bytes = Array(text.utf8)
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(
                status: .init(code: answer.status), headers: headers,
                body: ResponseBody(contentLength: bytes.count + 10) { writer in
                    try await writer.write(ByteBuffer(bytes: bytes.prefix(max(bytes.count / 2, 1))))
                    throw CancellationError()
                })
        }
        return json(answer.status, text: text)
    }

    private func log(
        _ options: Sage200SandboxOptions, _ method: String, _ segments: [String], _ query: [(String, String)],
        _ body: String?, _ status: Int, _ response: String, _ fault: String?, _ answer: Sage200Answer? = nil
    ) async {
        guard options.recordRequests else { return }
        await store.record(
            Sage200LogEntry(
                method: method, route: answer?.route ?? "", spec: answer?.spec ?? "", query: query,
                requestBody: body, status: status, responseBody: response, fault: fault))
    }

    static func pairs(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (
                OAuth1Signer.percentDecode(String(parts[0]), plusIsSpace: true),
                parts.count > 1 ? OAuth1Signer.percentDecode(String(parts[1]), plusIsSpace: true) : ""
            )
        }
    }

    private func json(_ status: Int, _ body: JSONValue) -> Response { json(status, text: body.serialized) }

    private func json(_ status: Int, text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

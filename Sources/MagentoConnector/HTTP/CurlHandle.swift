import CCurl
import FerryCurl
import FerryState
import Foundation
import Synchronization

/// One HTTP request as ferry sends it.
public struct HTTPRequest: Sendable {
    /// GET, POST, PUT, ...
    public var method: String
    /// The full URL, query included.
    public var url: String
    /// Header lines, in order.
    public var headers: [(name: String, value: String)]
    /// The body, if any.
    public var body: Data?
    /// False for a request whose repetition would repeat an effect (posting a comment): it goes out on a fresh
    /// connection, so libcurl can never re-send it on its own (see ``CurlHandle/perform(_:options:)``).
    public var idempotent: Bool

    /// Creates a request.
    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: Data? = nil,
        idempotent: Bool = true
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.idempotent = idempotent
    }
}

/// One HTTP response.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields, names lower-cased; the last occurrence wins.
    public var headers: [String: String]
    /// The (decompressed) body.
    public var body: Data
}

/// Timeouts and TLS settings of the HTTP client.
public struct HTTPClientOptions: Sendable {
    /// Seconds to establish a connection.
    public var connectTimeout: Double = 15
    /// Seconds a whole request may take.
    public var requestTimeout: Double = 120
    /// Seconds a transfer may stay below 1 byte/s before it is abandoned (a stalled body).
    public var stallTimeout: Int = 30
    /// A PEM bundle of extra trusted CAs (a private CA); nil uses the system store. Verification is always on.
    public var caFile: String?

    /// Creates options with the defaults.
    public init(
        connectTimeout: Double = 15, requestTimeout: Double = 120, stallTimeout: Int = 30, caFile: String? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.stallTimeout = stallTimeout
        self.caFile = caFile
    }
}

/// Collects the response while curl calls back; passed to C as an unmanaged pointer for one perform call.
private final class TransferSink {
    var body = Data()
    var headers: [String: String] = [:]
}

/// A libcurl easy handle, reused across requests so curl keeps the connection alive.
///
/// Not thread-safe: a handle is used by one request at a time (``CurlPool`` guarantees it).
// Unchecked: a handle is used by one request at a time; the pool hands it to one perform call at once.
final class CurlHandle: @unchecked Sendable {
    private let curl: CurlEasy

    init() throws { curl = try CurlEasy() }

    /// Performs the request, blocking the calling thread (never call this on the cooperative pool).
    /// - Throws: ``CurlTransportError`` when no HTTP answer arrived, ``CurlOptionError`` when curl refused an option.
    func perform(_ request: HTTPRequest, options: HTTPClientOptions) throws -> HTTPResponse {
        // curl_easy_reset keeps the connection cache, so the next request reuses the open connection.
        curl.reset()
        let sink = TransferSink()
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }

        let headerList = CurlStringList()
        for (name, value) in request.headers { headerList.append("\(name): \(value)") }
        // An empty Expect stops curl waiting for "100 Continue" on larger bodies.
        headerList.append("Expect:")

        try curl.set(CURLOPT_URL, request.url)
        if !request.idempotent {
            // libcurl re-sends a request on a fresh connection, without telling, when a *reused* connection dies
            // before the first byte of the answer (Curl_retry_request: "Connection died, retrying a fresh
            // connect"). A store that applied a comment and then dropped a kept-alive connection would get it
            // twice. CURLOPT_FORBID_RETRY_ON_REUSE (8.16) turns that off but Debian 12 ships 7.88, so a request
            // that must not be repeated gets a connection of its own: the retry only ever happens on a reused
            // one, and a drop surfaces as CURLE_GOT_NOTHING, which the caller treats as "sent, no answer".
            try curl.set(CURLOPT_FRESH_CONNECT, 1)
        }
        try curl.set(CURLOPT_NOSIGNAL, 1)
        try curl.set(CURLOPT_SSL_VERIFYPEER, 1)
        try curl.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = options.caFile { try curl.set(CURLOPT_CAINFO, ca) }
        try curl.set(CURLOPT_ACCEPT_ENCODING, "")
        try curl.set(CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout * 1000))
        try curl.set(CURLOPT_TIMEOUT_MS, Int(options.requestTimeout * 1000))
        try curl.set(CURLOPT_LOW_SPEED_LIMIT, 1)
        try curl.set(CURLOPT_LOW_SPEED_TIME, options.stallTimeout)
        try curl.set(CURLOPT_HTTPHEADER, headerList)
        try curl.set(CURLOPT_WRITEDATA, pointer: context.toOpaque())
        try curl.set(CURLOPT_HEADERDATA, pointer: context.toOpaque())
        try curl.setWriteFunction { pointer, size, count, userdata in
            let sink = Unmanaged<TransferSink>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            if let pointer, length > 0 { sink.body.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length) }
            return length
        }
        try curl.setHeaderFunction { pointer, size, count, userdata in
            let sink = Unmanaged<TransferSink>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            guard let pointer else { return length }
            let line = String(
                decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
            if line.hasPrefix("HTTP/") {
                sink.headers = [:]  // a new response (after a redirect or 100 Continue)
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                sink.headers[name] = value
            }
            return length
        }

        switch request.method {
        case "GET": try curl.set(CURLOPT_HTTPGET, 1)
        default: try curl.set(CURLOPT_CUSTOMREQUEST, request.method)
        }
        let body = request.body ?? Data()
        if request.method != "GET" {
            // COPYPOSTFIELDS copies the bytes, so nothing must outlive this scope.
            try curl.set(CURLOPT_POSTFIELDSIZE, body.count)
            try body.withUnsafeBytes { raw in
                try curl.set(
                    CURLOPT_COPYPOSTFIELDS,
                    pointer: UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }

        try curl.perform()
        return HTTPResponse(status: curl.responseCode, headers: sink.headers, body: sink.body)
    }
}

/// Idle easy handles, one per connection slot: a request takes one (or makes one) and gives it back.
///
/// Public so the other connectors (Sage 200) share the one libcurl client rather than keeping a copy.
public final class CurlPool: Sendable {
    // Unchecked: the handles are only touched under the mutex or by the one request that took them out.
    private struct Idle { var handles: [CurlHandle] = [] }
    private let idle = Mutex(Idle())

    /// Creates an empty pool.
    public init() {}

    /// Runs the request on the process's blocking pool (curl_easy_perform blocks) and resumes the caller when done.
    ///
    /// - Throws: ``CurlTransportError`` when no HTTP answer arrived, ``CurlOptionError`` when curl refused an option.
    public func perform(_ request: HTTPRequest, options: HTTPClientOptions) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
            // Not a dispatch queue: on Linux the global pool has one thread per core and adds one a second while
            // they are all blocked (the first 4 parallel stock uploads took 2.8 s for 20 requests instead of 10 ms).
            BlockingPool.shared.submit {
                let result = Result { () throws -> HTTPResponse in
                    let handle = try self.idle.withLock { $0.handles.popLast() } ?? CurlHandle()
                    defer { self.idle.withLock { $0.handles.append(handle) } }
                    return try handle.perform(request, options: options)
                }
                continuation.resume(with: result)
            }
        }
    }
}

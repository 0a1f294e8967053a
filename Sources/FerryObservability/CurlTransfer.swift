import CCurl
import FerryCurl
import FerryPipeline
import Foundation

/// A send failed: what, where and the fix; never a credential.
public struct AlertDeliveryError: Error, CustomStringConvertible, Sendable {
    /// `email` or `webhook`.
    public var channel: String
    /// What went wrong, naming the server or URL.
    public var message: String

    public var description: String { "alert \(channel): \(message)" }
}

/// The bytes curl reads while uploading (the mail) and the answer it writes (the webhook's reply).
///
/// Passed to C as an unmanaged pointer for one perform call, like MagentoConnector's transfer sink.
private final class UploadSink {
    let payload: [UInt8]
    var offset = 0
    var received = Data()

    init(_ payload: Data) { self.payload = Array(payload) }
}

/// One blocking libcurl transfer for alerts: an SMTP submission or an HTTP POST.
///
/// Unlike MagentoConnector's pooled handles, alerts are rare (one per run at most), so a fresh easy handle per send
/// is simpler and keeps no connection open between runs. Call only off the cooperative pool (``run(_:)``).
enum CurlTransfer {
    /// Runs `body` on a dispatch thread of its own (``FerryPipeline/offload(_:)``), since curl_easy_perform blocks.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await offload(body)
    }

    /// Submits one message over SMTP (curl's smtp:// or smtps://).
    static func sendMail(_ message: Data, settings: EmailSettings, password: String?) throws {
        let curl = try CurlEasy()
        let sink = UploadSink(message)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        let recipients = CurlStringList()
        for address in settings.to { recipients.append("<\(address)>") }

        // Port 465 is TLS from the first byte (smtps); any other port speaks plain SMTP, upgraded by STARTTLS.
        let scheme = settings.port == 465 ? "smtps" : "smtp"
        try curl.set(CURLOPT_URL, "\(scheme)://\(settings.server):\(settings.port)")
        try curl.set(CURLOPT_NOSIGNAL, 1)
        // CURLUSESSL_ALL: fail rather than send credentials or mail in the clear when STARTTLS is wanted.
        try curl.set(CURLOPT_USE_SSL, settings.starttls ? Int(CURLUSESSL_ALL.rawValue) : Int(CURLUSESSL_NONE.rawValue))
        try curl.set(CURLOPT_SSL_VERIFYPEER, 1)
        try curl.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = settings.caFile { try curl.set(CURLOPT_CAINFO, ca) }
        try curl.set(CURLOPT_TIMEOUT_MS, settings.timeoutSeconds * 1000)
        try curl.set(CURLOPT_CONNECTTIMEOUT_MS, min(settings.timeoutSeconds, 15) * 1000)
        try curl.set(CURLOPT_MAIL_FROM, "<\(settings.from)>")
        try curl.set(CURLOPT_MAIL_RCPT, recipients)
        if let username = settings.username { try curl.set(CURLOPT_USERNAME, username) }
        if let password { try curl.set(CURLOPT_PASSWORD, password) }
        try curl.set(CURLOPT_UPLOAD, 1)
        try curl.set(CURLOPT_INFILESIZE_LARGE, size: sink.payload.count)
        try curl.set(CURLOPT_READDATA, pointer: context.toOpaque())
        try curl.setReadFunction(readUploadSink)
        do { try curl.perform() } catch {
            let response = curl.responseCode
            let reply = response > 0 ? " (last SMTP reply \(response))" : ""
            throw AlertDeliveryError(
                channel: "email",
                message: "sending through \(scheme)://\(settings.server):\(settings.port) failed: \(error.message)\(reply); check alerts.email.server, port, starttls and the credentials")
        }
    }

    /// POSTs `body` as JSON and returns the HTTP status.
    static func post(_ body: Data, settings: WebhookSettings, bearer: String?) throws {
        let curl = try CurlEasy()
        let sink = UploadSink(body)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        let headers = CurlStringList()
        headers.append("Content-Type: application/json")
        headers.append("Expect:")
        if let bearer { headers.append("Authorization: Bearer \(bearer)") }

        try curl.set(CURLOPT_URL, settings.url)
        try curl.set(CURLOPT_NOSIGNAL, 1)
        try curl.set(CURLOPT_SSL_VERIFYPEER, 1)
        try curl.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = settings.caFile { try curl.set(CURLOPT_CAINFO, ca) }
        try curl.set(CURLOPT_TIMEOUT_MS, settings.timeoutSeconds * 1000)
        try curl.set(CURLOPT_CONNECTTIMEOUT_MS, min(settings.timeoutSeconds, 15) * 1000)
        try curl.set(CURLOPT_HTTPHEADER, headers)
        try curl.set(CURLOPT_POST, 1)
        try curl.set(CURLOPT_POSTFIELDSIZE_LARGE, size: sink.payload.count)
        try curl.set(CURLOPT_READDATA, pointer: context.toOpaque())
        try curl.setReadFunction(readUploadSink)
        try curl.set(CURLOPT_WRITEDATA, pointer: context.toOpaque())
        try curl.setWriteFunction { pointer, size, count, userdata in
            let sink = Unmanaged<UploadSink>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            // Only the start of the answer is kept, for the error message.
            if let pointer, length > 0, sink.received.count < 200 {
                sink.received.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
            }
            return length
        }
        let where_ = redactedURL(settings.url)
        do { try curl.perform() } catch {
            throw AlertDeliveryError(
                channel: "webhook",
                message: "POST to \(where_) failed: \(error.message); check alerts.webhook.url and that the receiver is up")
        }
        let status = curl.responseCode
        guard (200..<300).contains(status) else {
            let answer = String(decoding: sink.received.prefix(200), as: UTF8.self)
            throw AlertDeliveryError(
                channel: "webhook",
                message: "POST to \(where_) was answered \(status) \(answer); check alerts.webhook.url and alerts.webhook.bearer")
        }
    }

    /// The URL without its query and user info, which may carry a token (Slack-style hooks put it in the path,
    /// so only scheme, host and the first path segment are kept).
    static func redactedURL(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "the configured URL"
        }
        let port = components.port.map { ":\($0)" } ?? ""
        let first = components.path.split(separator: "/").first.map { "/\($0)/..." } ?? ""
        return "\(scheme)://\(host)\(port)\(first)"
    }
}

/// CURLOPT_READFUNCTION for both senders: hands libcurl the next bytes of the `UploadSink` given as READDATA.
private let readUploadSink: CurlEasy.Callback = {
    buffer, size, count, userdata in
    let sink = Unmanaged<UploadSink>.fromOpaque(userdata!).takeUnretainedValue()
    let length = min(size * count, sink.payload.count - sink.offset)
    guard length > 0, let buffer else { return 0 }
    sink.payload.withUnsafeBufferPointer { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + sink.offset, byteCount: length)
    }
    sink.offset += length
    return length
}

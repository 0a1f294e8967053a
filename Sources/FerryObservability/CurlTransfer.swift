import CCurl
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

private let curlGlobalInit: Bool = {
    // CURL_GLOBAL_ALL (SSL | WIN32) is a macro expression Swift does not import. curl_global_init is
    // reference-counted, so calling it here as well as in MagentoConnector is harmless.
    curl_global_init(3) == CURLE_OK
}()

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
        _ = curlGlobalInit
        guard let handle = curl_easy_init() else { throw AlertDeliveryError(channel: "email", message: "curl_easy_init failed: out of memory") }
        defer { curl_easy_cleanup(handle) }
        let sink = UploadSink(message)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        var recipients: UnsafeMutablePointer<curl_slist>? = nil
        for address in settings.to { recipients = curl_slist_append(recipients, "<\(address)>") }
        defer { curl_slist_free_all(recipients) }

        // Port 465 is TLS from the first byte (smtps); any other port speaks plain SMTP, upgraded by STARTTLS.
        let scheme = settings.port == 465 ? "smtps" : "smtp"
        _ = ferry_curl_setopt_string(handle, CURLOPT_URL, "\(scheme)://\(settings.server):\(settings.port)")
        _ = ferry_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // CURLUSESSL_ALL: fail rather than send credentials or mail in the clear when STARTTLS is wanted.
        _ = ferry_curl_setopt_long(handle, CURLOPT_USE_SSL, settings.starttls ? Int(CURLUSESSL_ALL.rawValue) : Int(CURLUSESSL_NONE.rawValue))
        _ = ferry_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = ferry_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = settings.caFile { _ = ferry_curl_setopt_string(handle, CURLOPT_CAINFO, ca) }
        _ = ferry_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, settings.timeoutSeconds * 1000)
        _ = ferry_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(settings.timeoutSeconds, 15) * 1000)
        _ = ferry_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(settings.from)>")
        _ = ferry_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients)
        if let username = settings.username { _ = ferry_curl_setopt_string(handle, CURLOPT_USERNAME, username) }
        if let password { _ = ferry_curl_setopt_string(handle, CURLOPT_PASSWORD, password) }
        _ = ferry_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
        _ = ferry_curl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(sink.payload.count))
        _ = ferry_curl_setopt_pointer(handle, CURLOPT_READDATA, context.toOpaque())
        _ = ferry_curl_setopt_read_function(handle, readUploadSink)
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            var response = 0
            _ = ferry_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &response)
            let reply = response > 0 ? " (last SMTP reply \(response))" : ""
            throw AlertDeliveryError(
                channel: "email",
                message: "sending through \(scheme)://\(settings.server):\(settings.port) failed: \(String(cString: curl_easy_strerror(code)))\(reply); check alerts.email.server, port, starttls and the credentials")
        }
    }

    /// POSTs `body` as JSON and returns the HTTP status.
    static func post(_ body: Data, settings: WebhookSettings, bearer: String?) throws {
        _ = curlGlobalInit
        guard let handle = curl_easy_init() else { throw AlertDeliveryError(channel: "webhook", message: "curl_easy_init failed: out of memory") }
        defer { curl_easy_cleanup(handle) }
        let sink = UploadSink(body)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        headers = curl_slist_append(headers, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Expect:")
        if let bearer { headers = curl_slist_append(headers, "Authorization: Bearer \(bearer)") }
        defer { curl_slist_free_all(headers) }

        _ = ferry_curl_setopt_string(handle, CURLOPT_URL, settings.url)
        _ = ferry_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = ferry_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = ferry_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = settings.caFile { _ = ferry_curl_setopt_string(handle, CURLOPT_CAINFO, ca) }
        _ = ferry_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, settings.timeoutSeconds * 1000)
        _ = ferry_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(settings.timeoutSeconds, 15) * 1000)
        _ = ferry_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        _ = ferry_curl_setopt_long(handle, CURLOPT_POST, 1)
        _ = ferry_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(sink.payload.count))
        _ = ferry_curl_setopt_pointer(handle, CURLOPT_READDATA, context.toOpaque())
        _ = ferry_curl_setopt_read_function(handle, readUploadSink)
        _ = ferry_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        _ = ferry_curl_setopt_write_function(handle) { pointer, size, count, userdata in
            let sink = Unmanaged<UploadSink>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            // Only the start of the answer is kept, for the error message.
            if let pointer, length > 0, sink.received.count < 200 {
                sink.received.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
            }
            return length
        }
        let code = curl_easy_perform(handle)
        let where_ = redactedURL(settings.url)
        guard code == CURLE_OK else {
            throw AlertDeliveryError(
                channel: "webhook",
                message: "POST to \(where_) failed: \(String(cString: curl_easy_strerror(code))); check alerts.webhook.url and that the receiver is up")
        }
        var status = 0
        _ = ferry_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
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
private let readUploadSink: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
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

public import CCurl

/// `curl_global_init(CURL_GLOBAL_ALL)`, once for the process, before the first easy handle (libcurl asks for it
/// to run before any other thread uses curl). CURL_GLOBAL_ALL is a macro expression Swift does not import:
/// SSL | WIN32 = 3.
private let curlGlobalInit: CURLcode = curl_global_init(3)

/// A libcurl easy handle (`CURL *`), cleaned up in `deinit`; every option set through it is checked.
///
/// Not thread-safe: one transfer at a time, as libcurl requires. Blocking: ``perform()`` runs the whole transfer
/// on the calling thread, so call it off Swift's cooperative pool.
public final class CurlEasy {
    /// The C handle, for `curl_easy_*` calls this wrapper does not cover.
    public let handle: UnsafeMutableRawPointer

    /// A new handle, after curl's global initialization.
    /// - Throws: ``CurlOptionError`` when libcurl cannot initialize (out of memory, no TLS library).
    public init() throws(CurlOptionError) {
        guard curlGlobalInit == CURLE_OK else {
            throw CurlOptionError(option: "curl_global_init", code: curlGlobalInit)
        }
        guard let handle = curl_easy_init() else {
            throw CurlOptionError(option: "curl_easy_init", code: CURLE_OUT_OF_MEMORY)
        }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// `curl_easy_reset`: every option back to its default; the connection cache stays, so the next transfer
    /// reuses an open connection.
    public func reset() { curl_easy_reset(handle) }

    /// `curl_easy_setopt` with a `long`.
    /// - Throws: ``CurlOptionError`` naming the option.
    public func set(_ option: CURLoption, _ value: Int) throws(CurlOptionError) {
        try check(option, ferry_curl_setopt_long(handle, option, value))
    }

    /// `curl_easy_setopt` with a string (curl copies it).
    /// - Throws: ``CurlOptionError`` naming the option.
    public func set(_ option: CURLoption, _ value: String) throws(CurlOptionError) {
        try check(option, ferry_curl_setopt_string(handle, option, value))
    }

    /// `curl_easy_setopt` with a `curl_off_t` (the `_LARGE` sizes).
    /// - Throws: ``CurlOptionError`` naming the option.
    public func set(_ option: CURLoption, size value: Int) throws(CurlOptionError) {
        try check(option, ferry_curl_setopt_off_t(handle, option, curl_off_t(value)))
    }

    /// `curl_easy_setopt` with a pointer (a callback's user data, or bytes curl copies).
    /// - Throws: ``CurlOptionError`` naming the option.
    public func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws(CurlOptionError) {
        try check(option, ferry_curl_setopt_pointer(handle, option, value))
    }

    /// `curl_easy_setopt` with a string list, which must outlive the transfer.
    /// - Throws: ``CurlOptionError`` naming the option.
    public func set(_ option: CURLoption, _ list: CurlStringList) throws(CurlOptionError) {
        try check(option, ferry_curl_setopt_slist(handle, option, list.head))
    }

    /// A `CURLOPT_WRITEFUNCTION`, `CURLOPT_HEADERFUNCTION` or `CURLOPT_READFUNCTION` callback.
    public typealias Callback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int

    /// `CURLOPT_WRITEFUNCTION`: receives the body.
    /// - Throws: ``CurlOptionError`` naming the option.
    public func setWriteFunction(_ callback: Callback) throws(CurlOptionError) {
        try check(CURLOPT_WRITEFUNCTION, ferry_curl_setopt_write_function(handle, callback))
    }

    /// `CURLOPT_HEADERFUNCTION`: receives each header line.
    /// - Throws: ``CurlOptionError`` naming the option.
    public func setHeaderFunction(_ callback: Callback) throws(CurlOptionError) {
        try check(CURLOPT_HEADERFUNCTION, ferry_curl_setopt_header_function(handle, callback))
    }

    /// `CURLOPT_READFUNCTION`: hands curl the bytes to upload.
    /// - Throws: ``CurlOptionError`` naming the option.
    public func setReadFunction(_ callback: Callback) throws(CurlOptionError) {
        try check(CURLOPT_READFUNCTION, ferry_curl_setopt_read_function(handle, callback))
    }

    /// `curl_easy_perform`: runs the transfer, blocking the calling thread.
    /// - Throws: ``CurlTransportError`` when no complete answer arrived (no connection, a timeout, a drop).
    public func perform() throws(CurlTransportError) {
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else { throw CurlTransportError(code: code) }
    }

    /// `CURLINFO_RESPONSE_CODE`: the last HTTP status or SMTP reply code; 0 before any answer.
    public var responseCode: Int {
        var code = 0
        _ = ferry_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    private func check(_ option: CURLoption, _ code: CURLcode) throws(CurlOptionError) {
        guard code == CURLE_OK else { throw CurlOptionError(option: Self.name(of: option), code: code) }
    }

    /// `CURLOPT_<NAME>` as libcurl knows it (`curl_easy_option_by_id`), or the option's number.
    static func name(of option: CURLoption) -> String {
        guard let known = curl_easy_option_by_id(option), let name = known.pointee.name else {
            return "option \(option.rawValue)"
        }
        return "CURLOPT_" + String(cString: name)
    }
}

/// A `curl_slist` (header lines, mail recipients), freed in `deinit`: keep it alive until the transfer is done.
public final class CurlStringList {
    fileprivate var head: UnsafeMutablePointer<curl_slist>?

    /// An empty list.
    public init() {}

    deinit { curl_slist_free_all(head) }

    /// Appends a copy of `line`.
    public func append(_ line: String) { head = curl_slist_append(head, line) }
}

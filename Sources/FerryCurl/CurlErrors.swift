public import CCurl

/// libcurl refused an option or could not start: a build without the feature, out of memory. Not worth a retry.
public struct CurlOptionError: Error, CustomStringConvertible, Sendable {
    /// The option (`CURLOPT_URL`, ...) or call (`curl_easy_init`) that failed.
    public let option: String
    /// curl's code.
    public let code: CURLcode

    /// `curl_easy_setopt(CURLOPT_X)` failed with `code`.
    public init(option: String, code: CURLcode) {
        self.option = option
        self.code = code
    }

    public var description: String {
        "libcurl refused \(option): \(String(cString: curl_easy_strerror(code))) (is libcurl4-openssl installed and current?)"
    }
}

/// A transfer failed below HTTP: no connection, a timeout, a connection dropped mid-body.
public struct CurlTransportError: Error, CustomStringConvertible, Sendable {
    /// curl's code.
    public let code: CURLcode
    /// curl's text for the failure.
    public let message: String

    /// The failure `code`, with curl's text for it.
    public init(code: CURLcode) {
        self.code = code
        message = String(cString: curl_easy_strerror(code))
    }

    /// Connection refused / DNS: the request certainly never reached the server.
    public var neverSent: Bool {
        code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY
    }

    public var description: String { message }
}

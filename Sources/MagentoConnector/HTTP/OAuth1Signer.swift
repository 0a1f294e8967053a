public import Foundation
import Crypto

/// OAuth 1.0a credentials of a Magento integration (System > Integrations shows all four).
public struct OAuth1Credentials: Sendable {
    public var consumerKey: String
    public var consumerSecret: String
    public var accessToken: String
    public var accessTokenSecret: String

    /// Creates credentials.
    public init(consumerKey: String, consumerSecret: String, accessToken: String, accessTokenSecret: String) {
        self.consumerKey = consumerKey
        self.consumerSecret = consumerSecret
        self.accessToken = accessToken
        self.accessTokenSecret = accessTokenSecret
    }
}

/// Signs requests with OAuth 1.0a (RFC 5849), as Magento requires for integration tokens on 2.4.4+ stores
/// where bearer use of integration tokens is off.
public struct OAuth1Signer: Sendable {
    /// The signature method; Magento accepts HMAC-SHA256 (HMAC-SHA1 exists for RFC test vectors and old stores).
    public enum Method: String, Sendable {
        case hmacSHA256 = "HMAC-SHA256"
        case hmacSHA1 = "HMAC-SHA1"
    }

    public let credentials: OAuth1Credentials
    public let method: Method

    /// Creates a signer.
    public init(credentials: OAuth1Credentials, method: Method = .hmacSHA256) {
        self.credentials = credentials
        self.method = method
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters (RFC 5849 section 3.6).
    public static func percentEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Decodes `%XX` sequences (and `+` as space when `plusIsSpace`, for form bodies).
    public static func percentDecode(_ s: String, plusIsSpace: Bool = false) -> String {
        let source = plusIsSpace ? s.replacingOccurrences(of: "+", with: " ") : s
        return source.removingPercentEncoding ?? source
    }

    /// The signature base string of RFC 5849 section 3.4.1.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - baseURI: scheme, host (port only when not the default) and path, without query.
    ///   - parameters: every parameter, DECODED: query, form body and `oauth_*` (without `oauth_signature`).
    public static func baseString(method: String, baseURI: String, parameters: [(String, String)]) -> String {
        let encoded: [(String, String)] = parameters.map { (percentEncode($0.0), percentEncode($0.1)) }
        let sorted = encoded.sorted { (a: (String, String), b: (String, String)) -> Bool in
            a.0 == b.0 ? a.1 < b.1 : a.0 < b.0
        }
        let normalized = sorted.map { $0.0 + "=" + $0.1 }.joined(separator: "&")
        return [method.uppercased(), percentEncode(baseURI), percentEncode(normalized)].joined(separator: "&")
    }

    /// The base64 signature of `baseString` with key `consumerSecret&tokenSecret`.
    public static func signature(
        baseString: String, consumerSecret: String, tokenSecret: String, method: Method
    ) -> String {
        let key = SymmetricKey(data: Data((percentEncode(consumerSecret) + "&" + percentEncode(tokenSecret)).utf8))
        let message = Data(baseString.utf8)
        switch method {
        case .hmacSHA256:
            return Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
        case .hmacSHA1:
            return Data(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key)).base64EncodedString()
        }
    }

    /// Splits a URL into the base URI of the signature (lower-case scheme and host, default port dropped)
    /// and its decoded query parameters.
    public static func splitURL(_ url: String) -> (baseURI: String, query: [(String, String)]) {
        guard let components = URLComponents(string: url) else { return (url, []) }
        let scheme = (components.scheme ?? "http").lowercased()
        let host = (components.host ?? "").lowercased()
        var authority = host
        if let port = components.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            authority += ":\(port)"
        }
        let base = "\(scheme)://\(authority)\(components.percentEncodedPath)"
        var query: [(String, String)] = []
        if let raw = components.percentEncodedQuery, !raw.isEmpty {
            for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = percentDecode(String(parts[0]))
                let value = parts.count > 1 ? percentDecode(String(parts[1])) : ""
                query.append((key, value))
            }
        }
        return (base, query)
    }

    /// The `Authorization: OAuth ...` header value for a request.
    ///
    /// - Parameters:
    ///   - nonce/timestamp: fixed in tests; random and current otherwise.
    public func authorizationHeader(
        method httpMethod: String, url: String, nonce: String = UUID().uuidString.replacingOccurrences(of: "-", with: ""),
        timestamp: Int = Int(Date().timeIntervalSince1970)
    ) -> String {
        let (baseURI, query) = Self.splitURL(url)
        let oauth: [(String, String)] = [
            ("oauth_consumer_key", credentials.consumerKey),
            ("oauth_nonce", nonce),
            ("oauth_signature_method", method.rawValue),
            ("oauth_timestamp", String(timestamp)),
            ("oauth_token", credentials.accessToken),
            ("oauth_version", "1.0"),
        ]
        let base = Self.baseString(method: httpMethod, baseURI: baseURI, parameters: query + oauth)
        let signature = Self.signature(
            baseString: base, consumerSecret: credentials.consumerSecret,
            tokenSecret: credentials.accessTokenSecret, method: method)
        let fields = (oauth + [("oauth_signature", signature)])
            .map { "\($0.0)=\"\(Self.percentEncode($0.1))\"" }
            .joined(separator: ",")
        return "OAuth " + fields
    }
}

import Crypto
import FerryPipeline
import Foundation
import Hummingbird

/// Who may use the console, cross-site request forgery protection, and the headers every answer carries.
struct ConsoleSecurity: Sendable {
    /// The cookie that carries the CSRF token (double-submit: the form must send the same value).
    static let csrfCookie = "ferry_csrf"

    let settings: ConsoleSettings

    /// Every answer: no inline script, nothing from elsewhere, never in a frame, no type sniffing, no caching.
    static let headers: [(String, String)] = [
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on the console's own forms.
        ("Referrer-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]

    /// The user a request is made by, or nil when it must authenticate first.
    ///
    /// Without a password (loopback only, which ``ConsoleSettings`` enforces) everyone is `local`. With one, HTTP
    /// Basic (`user` and the password) or `Authorization: Bearer <token>`; the secret is read at each check, so a
    /// rotated credential file needs no restart.
    /// - Throws: ``PipelineError`` when the secret cannot be read (named by its reference, never its value).
    func user(of request: Request) throws -> String? {
        guard let reference = settings.password else { return "local" }
        guard let header = request.headers[.authorization] else { return nil }
        let secret = try reference.resolve()
        if header.hasPrefix("Bearer ") {
            return Self.matches(String(header.dropFirst("Bearer ".count)), secret: secret) ? settings.user : nil
        }
        guard header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
            let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return nil }
        let (name, password) = (String(pair[..<colon]), String(pair[pair.index(after: colon)...]))
        return Self.equal(Data(name.utf8), Data(settings.user.utf8)) && Self.matches(password, secret: secret) ? name : nil
    }

    /// The answer that makes a browser ask for the user name and password.
    static func challenge() -> Response {
        var response = Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "the ferry console needs its user name and password (console.password in config.json)\n")))
        response.headers[.wwwAuthenticate] = "Basic realm=\"ferry console\", charset=\"UTF-8\""
        return response
    }

    /// `sha256:<hex>` compares the password's hash, anything else the token itself; constant time either way.
    static func matches(_ given: String, secret: String) -> Bool {
        if secret.hasPrefix("sha256:") {
            let hex = SHA256.hash(data: Data(given.utf8)).map { String(format: "%02x", $0) }.joined()
            return equal(Data(hex.utf8), Data(secret.dropFirst("sha256:".count).lowercased().utf8))
        }
        return equal(Data(given.utf8), Data(secret.utf8))
    }

    /// Compares without stopping at the first difference, so timing tells nothing of the secret.
    static func equal(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The request's CSRF cookie when well-formed, else a fresh token (which the page sets as the cookie).
    static func csrfToken(of request: Request) -> (token: String, isNew: Bool) {
        if let token = cookie(csrfCookie, in: request), token.count == 64, token.allSatisfy(\.isHexDigit) { return (token, false) }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return (bytes.map { String(format: "%02x", $0) }.joined(), true)
    }

    /// The `Set-Cookie` value for a new token: not readable by script, never sent by another site.
    static func csrfSetCookie(_ token: String) -> String {
        "\(csrfCookie)=\(token); Path=/; HttpOnly; SameSite=Strict"
    }

    /// Why a POST is refused, or nil when it carries the page's token and comes from the console's own pages.
    static func forgeryProblem(of request: Request, form: [String: String]) -> String? {
        guard let cookie = cookie(csrfCookie, in: request), let sent = form["csrf"],
            equal(Data(cookie.utf8), Data(sent.utf8))
        else { return "the form's security token is missing or stale: reload the page and press the button again" }
        if let site = request.headers[.init("Sec-Fetch-Site")!], site != "same-origin" {
            return "the request came from another site (\(site)): actions are accepted only from the console's own pages"
        }
        if let origin = request.headers[.origin], let host = request.head.authority, origin != "http://\(host)", origin != "https://\(host)" {
            return "the request came from \(origin), not this console: actions are accepted only from the console's own pages"
        }
        return nil
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }
}

import Foundation
import MagentoConnector

/// Headless Chromium driven through chromedriver's W3C WebDriver HTTP API (Debian's `chromium` and
/// `chromium-driver`, installed by `scripts/install-deps --test`).
final class WebDriver {
    /// Why a browser step failed: the command and what chromedriver answered.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"
    /// W3C's key for an element reference in a JSON answer.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// True when both programs are installed.
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
    }

    private let driver: Process
    private let base: String
    private let session: String
    private let profile: URL
    private let client = CurlPool()

    /// Starts chromedriver on a free port and opens a headless session (its own profile folder).
    init() async throws {
        let port = try Self.freePort()
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-chromium-\(UUID().uuidString)")
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=\(port)", "--log-level=OFF"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        base = "http://127.0.0.1:\(port)"
        // chromedriver answers /status once it listens; until then the connection is refused.
        var ready = false
        for _ in 0..<200 where !ready {
            ready = ((try? await client.perform(HTTPRequest(method: "GET", url: base + "/status"), options: HTTPClientOptions()))?.status == 200)
            if !ready { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard ready else {
            driver.terminate()
            throw Failure(description: "chromedriver did not start on port \(port)")
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": Self.chromium,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                            "--user-data-dir=\(profile.path)", "--no-first-run", "--disable-extensions",
                        ],
                    ],
                ]
            ]
        ]
        let answer = try await Self.call(client, "POST", base + "/session", capabilities)
        guard let id = (answer as? [String: Any])?["sessionId"] as? String else {
            driver.terminate()
            throw Failure(description: "no session: \(answer)")
        }
        session = id
        // Finding an element waits up to 10 s for it (a page still loading after a click).
        _ = try await command("POST", "/timeouts", ["implicit": 10_000, "pageLoad": 60_000])
    }

    /// Ends the session and chromedriver, and removes the profile.
    func quit() async {
        _ = try? await command("DELETE", "", nil)
        // SIGKILL: chromedriver inherits the test process's blocked signals, so SIGTERM would wait for ever.
        kill(driver.processIdentifier, SIGKILL)
        for _ in 0..<100 where driver.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        try? FileManager.default.removeItem(at: profile)
    }

    func open(_ url: String) async throws { _ = try await command("POST", "/url", ["url": url]) }

    var currentURL: String { get async throws { try await command("GET", "/url", nil) as? String ?? "" } }

    var source: String { get async throws { try await command("GET", "/source", nil) as? String ?? "" } }

    /// The element the CSS selector finds first (waiting for it as the implicit timeout allows).
    func element(_ selector: String) async throws -> String {
        let found = try await command("POST", "/element", ["using": "css selector", "value": selector])
        guard let id = (found as? [String: Any])?[Self.elementKey] as? String else { throw Failure(description: "no element \(selector): \(String(describing: found))") }
        return id
    }

    func text(_ selector: String) async throws -> String {
        try await command("GET", "/element/\(try await element(selector))/text", nil) as? String ?? ""
    }

    func click(_ selector: String) async throws { _ = try await command("POST", "/element/\(try await element(selector))/click", [:]) }

    func type(_ text: String, into selector: String) async throws {
        _ = try await command("POST", "/element/\(try await element(selector))/value", ["text": text])
    }

    /// Saves the visible page as a PNG.
    func screenshot(to file: URL) async throws {
        guard let encoded = try await command("GET", "/screenshot", nil) as? String, let data = Data(base64Encoded: encoded) else {
            throw Failure(description: "no screenshot")
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    private func command(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        try await Self.call(client, method, base + "/session/\(session)" + path, body)
    }

    /// One WebDriver command: JSON in, the answer's `value` out; a WebDriver error is thrown with its message.
    private static func call(_ client: CurlPool, _ method: String, _ url: String, _ body: [String: Any]?) async throws -> Any? {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try await client.perform(
            HTTPRequest(method: method, url: url, headers: [("Content-Type", "application/json")], body: data), options: HTTPClientOptions())
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let value = json?["value"]
        if response.status != 200 {
            let message = (value as? [String: Any])?["message"] as? String ?? String(decoding: response.body, as: UTF8.self)
            throw Failure(description: "\(method) \(url): \(response.status) \(message.prefix(500))")
        }
        return value
    }

    /// A port nobody listens on now (bound to 0, read, closed).
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

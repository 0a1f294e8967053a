import ArgumentParser
import FerryDemo
import FerryObservability
import FerryPipeline
import FerryStages
import Foundation
import Logging
import Sage200Connector
import Sage200Sandbox
import ServiceLifecycle
import UnixSignals

/// `ferry sage200 ...`: setting up the Sage 200 connection (docs/sage200.md).
struct Sage200Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sage200", abstract: "Sage 200 set-up: authorize ferry with Sage ID, list the sites and companies.",
        subcommands: [Sage200AuthorizeCommand.self, Sage200SitesCommand.self])
}

struct Sage200AuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Authorize ferry with Sage ID once and store the refresh token (mode 0600).",
        discussion: """
            Prints the Sage ID sign-in URL and reads back the code (or the address the browser landed on); or \
            --code CODE exchanges a code at once; or --listen waits for the browser's redirect on 127.0.0.1 (the \
            registered redirectUri must then be http://127.0.0.1:PORT/...). Run it again when the refresh token expires.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "An authorization code from Sage ID's redirect.")
    var code: String?

    @Flag(name: .long, help: "Receive the redirect on 127.0.0.1 (the port of connections.sage200.redirectUri).")
    var listen = false

    func validate() throws {
        if code != nil && listen { throw ValidationError("give --code or --listen, not both") }
    }

    func run() async throws {
        let config = try options.load()
        let logger = options.bootstrapLogging(config.logLevel)
        var auth = try operational { try Sage200Connection(config: config).authConfiguration() }
        let state = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let code: String
        if let given = self.code {
            code = given
        } else if listen {
            guard let redirect = URL(string: auth.redirectURI), redirect.scheme == "http",
                ["127.0.0.1", "localhost"].contains(redirect.host ?? "")
            else {
                FileHandleOutput.error(
                    "error: --listen needs connections.sage200.redirectUri on http://127.0.0.1:PORT/... (registered with Sage); it is '\(auth.redirectURI)'")
                throw ExitCode(ExitStatus.config)
            }
            let listener = try operational { try Sage200RedirectListener(port: redirect.port ?? 0) }
            // Port 0 in config (the stand-in accepts any redirect): the URL names the port actually bound.
            auth.redirectURI = "http://\(redirect.host ?? "127.0.0.1"):\(listener.port)\(redirect.path)"
            print("Open this address in a browser and sign in with a Sage user that has API access:\n\(auth.authorizeURL(state: state))")
            print("Waiting for Sage ID's redirect on 127.0.0.1:\(listener.port) ...")
            fflush(nil)
            code = try await operationalAsync { try await offload { try listener.waitForCode(state: state) } }
        } else {
            print("Open this address in a browser and sign in with a Sage user that has API access:\n\(auth.authorizeURL(state: state))")
            print("The browser then lands on \(auth.redirectURI)?code=...; paste that address (or the code) here:")
            fflush(nil)
            guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
                FileHandleOutput.error("error: no code read: run `ferry sage200 authorize --code <code>` with the code from the redirect")
                throw ExitCode(1)
            }
            let pasted = Sage200RedirectListener.parameters(line.hasPrefix("http") ? String(line.drop { $0 != "?" }) : "?code=" + line)
            if let returned = pasted["state"], returned != state {
                FileHandleOutput.error("error: the address's state does not match this run (an old tab?): run `ferry sage200 authorize` again")
                throw ExitCode(1)
            }
            code = pasted["code"] ?? line
        }
        let authenticator = Sage200Authenticator(configuration: auth, logger: logger)
        let tokens = try await operationalAsync { try await authenticator.authorize(code: code) }
        let expiry = tokens.authorizedAt.addingTimeInterval(auth.refreshTokenDays * 86_400)
        print("""
            Authorized. The refresh token is stored in \(auth.tokenFile.path) (mode 0600); it expires on \
            \(Sage200Authenticator.day(expiry)): run `ferry sage200 authorize --config \(options.config)` again before then.
            Next: `ferry sage200 sites --config \(options.config)` checks the site and company.
            """)
    }
}

struct Sage200SitesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sites",
        abstract: "List the Sage 200 sites and companies (GET /sites) and check connections.sage200.site/.company.",
        discussion: "Exits 0 when the configured pair is valid, 78 when it is not.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try options.load()
        let logger = options.bootstrapLogging(config.logLevel)
        let client = try operational { try Sage200Connection(config: config).client(logger: logger) }
        let sites = try await operationalAsync { try await client.sites() }
        if sites.isEmpty {
            print("Sage lists no sites for this user (Professional: the site's API registration was probably lost).")
        } else {
            print("site_name\tsite_id (X-Site)\tcompany_name\tcompany_id (X-Company)")
            for site in sites { print("\(site.siteName)\t\(site.siteId)\t\(site.companyName)\t\(site.companyId)") }
        }
        let wanted = "site '\(client.configuration.site)' / company '\(client.configuration.company)'"
        do {
            let site = try await client.site()
            // A pair listed by /sites can still be refused (401) when the user lacks access to the company.
            _ = try await client.send("GET", "/warehouses", query: [("$orderby", "id asc"), ("$top", "1")])
            print("connections.sage200 \(wanted): valid (X-Site \(site.siteId), X-Company \(site.companyId))")
        } catch {
            print("connections.sage200 \(wanted): NOT valid")
            FileHandleOutput.error("error: \(Redaction.message(of: error))")
            throw ExitCode(ExitStatus.config)
        }
    }
}

struct Sage200SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sage200-sandbox",
        abstract: "Run the Sage 200 stand-in: Sage ID's token endpoint and the Sage 200 API on 127.0.0.1, seeded.")

    @Option(name: .long, help: "Port on 127.0.0.1 (0: any free port).")
    var port = 8200

    @Option(name: .long, help: "Seconds an access token lives.")
    var accessTokenSeconds = 480

    @Option(name: .long, help: "Fraction (0-1) of API calls that fail: a third each 429, 5xx, apply-then-drop on POSTs.")
    var faults = 0.0

    @Option(name: .long, help: "Milliseconds every answer waits (a slow gateway).")
    var latencyMs = 0

    @Option(name: .long, help: "Seed of the fault dice.")
    var seed: UInt64 = 42

    func validate() throws {
        guard (0...1).contains(faults) else { throw ValidationError("--faults must be 0...1") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: .info) }
        let logger = Logger(label: "ferry.sage200-sandbox")
        var options = Sage200SandboxOptions(accessTokenSeconds: accessTokenSeconds)
        options.faults = .mixed(faults, seed: seed)
        options.faults.latencyMilliseconds = latencyMs
        let server = Sage200SandboxServer(options: options, logger: logger)
        let bound = try await server.start(host: "127.0.0.1", port: port)
        let code = await server.store.issueCode()
        print("""
            Sage 200 stand-in on http://127.0.0.1:\(bound)
              connections.sage200: "apiUrl": "\(server.apiURL)", "authUrl": "\(server.baseURL)",
                "clientId": "\(options.clientId)", "clientSecret": "\(options.clientSecret)" (a test value),
                "site": "\(Sage200SandboxStore.siteName)", "company": "\(Sage200SandboxStore.companyName)"
              an authorization code for `ferry sage200 authorize --code`: \(code)
            """)
        fflush(nil)
        try await runUntilSignalled(Sage200StandInService(server: server), logger: logger)
    }
}

/// ``operational(_:)`` for async work: the same exit statuses and scrubbed messages.
func operationalAsync<T>(_ body: () async throws -> T) async throws -> T {
    let result: Result<T, any Error>
    do { result = .success(try await body()) } catch { result = .failure(error) }
    return try operational { try result.get() }
}

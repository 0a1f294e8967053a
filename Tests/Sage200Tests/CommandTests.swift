import FerryPipeline
import FerryTestSupport
import Foundation
import Sage200Connector
import Sage200Sandbox
import Testing

/// `ferry sage200 authorize` and `ferry sage200 sites`, run as the real binary against the stand-in.
@Suite struct Sage200CommandTests {
    static let secret = Sage200SandboxOptions().clientSecret

    /// A config holding only `connections.sage200` (the commands need no stage), in `dir`.
    static func writeConfig(
        in dir: URL, server: Sage200SandboxServer, company: String = "1",
        redirect: String = "https://ferry.example.com/sage200/callback"
    ) throws -> URL {
        let config = """
            { "stateStore": "state/ferry.sqlite", "stages": [],
              "connections": { "sage200": {
                "apiUrl": "\(server.apiURL)", "authUrl": "\(server.baseURL)", "clientId": "\(Sage200SandboxOptions().clientId)",
                "clientSecret": "${SAGE200_CLIENT_SECRET}", "redirectUri": "\(redirect)",
                "site": "\(Sage200SandboxStore.siteName)", "company": "\(company)", "tokenFile": "state/token.json" } } }
            """
        let url = dir.appendingPathComponent("config-\(company).json")
        try Data(config.utf8).write(to: url)
        return url
    }

    static func ferry(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        try await offload {
            try runProcess(ferryExecutable.path, arguments, environment: ["SAGE200_CLIENT_SECRET": secret], input: input)
        }
    }

    @Test func authorizeWithACodeThenSitesChecksThePair() async throws {
        try await withSage200 { sage in
            let dir = sage.dir.appendingPathComponent("cli")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let config = try Self.writeConfig(in: dir, server: sage.server)
            let code = await sage.server.store.issueCode()
            let authorized = try await Self.ferry(["sage200", "authorize", "--config", config.path, "--code", code])
            #expect(authorized.status == 0, "\(authorized.output)")
            #expect(authorized.output.contains("Authorized"))
            let tokenFile = dir.appendingPathComponent("state/token.json")
            let attributes = try FileManager.default.attributesOfItem(atPath: tokenFile.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let tokens = try #require(try Sage200TokenFile(url: tokenFile).load())
            #expect(!authorized.output.contains(tokens.refreshToken) && !authorized.output.contains(Self.secret))

            let sites = try await Self.ferry(["sage200", "sites", "--config", config.path])
            #expect(sites.status == 0, "\(sites.output)")
            #expect(sites.output.contains(Sage200SandboxStore.siteId) && sites.output.contains(Sage200SandboxStore.companyName))
            #expect(sites.output.contains(": valid (X-Site \(Sage200SandboxStore.siteId), X-Company 1)"))

            // Same token file, a company the user may not use: listed, then refused with the list and exit 78.
            let wrong = try Self.writeConfig(in: dir, server: sage.server, company: "7")
            let refused = try await Self.ferry(["sage200", "sites", "--config", wrong.path])
            #expect(refused.status == 78, "\(refused.output)")
            #expect(refused.output.contains("NOT valid") && refused.output.contains("is not among the sites"))

            // A code is good once: a second exchange is refused and says what to do.
            let again = try await Self.ferry(["sage200", "authorize", "--config", config.path, "--code", code])
            #expect(again.status != 0)
            #expect(again.output.contains("authorize"))
        }
    }

    @Test func authorizeReadsThePastedRedirectAddress() async throws {
        try await withSage200 { sage in
            let config = try Self.writeConfig(in: sage.dir, server: sage.server)
            let code = await sage.server.store.issueCode()
            let pasted = "https://ferry.example.com/sage200/callback?code=\(code)\n"
            let authorized = try await Self.ferry(["sage200", "authorize", "--config", config.path], input: pasted)
            #expect(authorized.status == 0, "\(authorized.output)")
            #expect(authorized.output.contains("\(sage.server.baseURL)/authorize?audience=s200ukipd%2Fsage200"))
            #expect(try Sage200TokenFile(url: sage.dir.appendingPathComponent("state/token.json")).load() != nil)
        }
    }

    @Test func authorizeListensForTheBrowsersRedirect() async throws {
        try await withSage200 { sage in
            let config = try Self.writeConfig(
                in: sage.dir, server: sage.server, redirect: "http://127.0.0.1:0/sage200/callback")
            let process = Process()
            process.executableURL = ferryExecutable
            process.arguments = ["sage200", "authorize", "--config", config.path, "--listen"]
            process.environment = ProcessInfo.processInfo.environment.merging(["SAGE200_CLIENT_SECRET": Self.secret]) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            // The sign-in address is the first line starting with http; the stand-in's /authorize consents at once
            // and redirects the "browser" (curl) to ferry's listener.
            let url = try await offload { () throws -> String in
                var text = ""
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    guard !chunk.isEmpty else { throw CocoaError(.fileReadUnknown) }
                    text += String(decoding: chunk, as: UTF8.self)
                    if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("http") }), text.contains("Waiting") {
                        return String(line)
                    }
                }
            }
            let browser = try await offload { try runProcess("/usr/bin/env", ["curl", "-sS", "-L", url]) }
            #expect(browser.output.contains("ferry has the Sage 200 authorization"), "\(browser.output)")
            let rest = try await offload { () -> String in
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                return String(decoding: data, as: UTF8.self)
            }
            #expect(process.terminationStatus == 0, "\(rest)")
            #expect(try Sage200TokenFile(url: sage.dir.appendingPathComponent("state/token.json")).load() != nil)
        }
    }
}

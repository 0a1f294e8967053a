import FerryState
import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox

let testToken = "SECRET-TOKEN-0xDEADBEEF-must-never-leak"

/// `exported`: a status the merchant created and assigned to state `new` (a stock 2.4 has no status to move a
/// `new` order to), as in the store of the update tests.
let exportedStatus = ["exported": ["new"]]

extension MagentoSandboxOptions {
    /// These options with ``exportedStatus`` set up in the store.
    func withExported() -> Self {
        var copy = self
        copy.customStatuses = exportedStatus
        return copy
    }
}

/// A sandbox on 127.0.0.1:0, a client for it, a fresh state store; everything stopped afterwards.
func withSandbox<T>(
    orders: Int = 20, seed: UInt64 = 7, options: MagentoSandboxOptions = .init(), auth: MagentoAuth? = nil,
    retry: RetryPolicy = RetryPolicy(maxAttempts: 6, initial: .milliseconds(10), maximum: .milliseconds(50)),
    http: HTTPClientOptions = HTTPClientOptions(connectTimeout: 10, requestTimeout: 120, stallTimeout: 30),
    _ body: (MagentoSandboxServer, MagentoClient, StateStore) async throws -> T
) async throws -> T {
    var options = options
    options.bearerTokens = [testToken]
    let sandbox = MagentoSandboxServer(seed: seed, orders: orders, options: options)
    let port = try await sandbox.start(port: 0)
    let client = MagentoClient(
        configuration: MagentoConfiguration(
            baseURL: "http://127.0.0.1:\(port)", auth: auth ?? .bearer(testToken), http: http, retry: retry))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-magento-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try StateStore(path: dir.appendingPathComponent("state.sqlite").path, migrations: MagentoState.migrations)
    do {
        let result = try await body(sandbox, client, store)
        await sandbox.stop()
        return result
    } catch {
        await sandbox.stop()
        throw error
    }
}

/// Writes every recorded exchange as JSON lines for the contract validator, when asked to.
func dumpContract(_ sandbox: MagentoSandboxServer, name: String) async {
    guard let dir = ProcessInfo.processInfo.environment["FERRY_CONTRACT_DIR"] else { return }
    try? await contractLines(sandbox).write(toFile: dir + "/\(name).jsonl", atomically: true, encoding: .utf8)
}

/// Every exchange the sandbox recorded, as the JSON lines the contract validator reads (faults and unrouted
/// requests left out).
func contractLines(_ sandbox: MagentoSandboxServer) async -> String {
    let log = await sandbox.store.requestLog()
    var lines = ""
    for entry in log where entry.fault == nil && !entry.route.isEmpty {
        let record: JSONValue = [
            "method": .string(entry.method), "route": .string(entry.route), "status": .int(entry.status),
            "query": .array(entry.query.map { [.string($0.0), .string($0.1)] }),
            "request": entry.requestBody.map { .string($0) } ?? .null, "response": .string(entry.responseBody),
        ]
        lines += record.serialized + "\n"
    }
    return lines
}

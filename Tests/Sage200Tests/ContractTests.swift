import FerryTestSupport
import FerryValues
import Foundation
import MagentoConnector
import Sage200Connector
import Sage200Sandbox
import SageSide
import Testing

/// Every request ferry sends to Sage 200 and every answer the stand-in gives, checked against Sage's OpenAPI files
/// in `../shared/reference/sage200` by Python's jsonschema. Skipped when the files or python3-jsonschema are
/// missing, except in CI (`CI=true`) with `../shared` present, where a missing piece fails the test.
@Suite struct Sage200ContractTests {
    static let specs = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/sage200")
    static var specsPresent: Bool { FileManager.default.fileExists(atPath: specs.appendingPathComponent("sop.json").path) }
    static var pythonReady: Bool { (try? run(["python3", "-c", "import jsonschema"]).0) == 0 }
    static var mustRun: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true"
            && FileManager.default.fileExists(atPath: packageRoot.deletingLastPathComponent().appendingPathComponent("shared").path)
    }

    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let finished = try runProcess("/usr/bin/env", arguments)
        return (finished.status, finished.output)
    }

    @Test(.enabled(if: mustRun || (specsPresent && pythonReady), "../shared/reference/sage200 and python3-jsonschema needed"))
    func exchangesMatchSagesOpenAPIFiles() async throws {
        try #require(Self.specsPresent, "CI: ../shared exists but ../shared/reference/sage200/sop.json does not")
        try #require(Self.pythonReady, "CI: python3-jsonschema is missing: run scripts/install-deps --test")
        try await withTemporaryDirectory { dir in
            try await withSage200(options: Sage200SandboxOptions(recordRequests: true)) { sage in
                var settings = Sage200OrderSettings()
                settings.freeTextForUnknownSkus = true
                let importer = sage.importer(settings)
                for n in 1...6 { _ = try await importer.importOrder(demoOrder(n, lines: 1 + n % 3)) }
                var ghost = demoOrder(7)
                ghost.items[0].sku = "NOT-IN-SAGE"
                _ = try await importer.importOrder(ghost)
                let exporter = Sage200StockExporter(
                    client: sage.client, store: sage.store, scope: "c", warehouses: ["HOME", "WEB"], overlapSeconds: 0)
                _ = try await exporter.changes()
                let first = await sage.server.store.allOrders().first?["id"]?.int ?? 0
                _ = try await sage.client.send("GET", "/sop_orders/\(first)")
                _ = try? await sage.client.send("GET", "/sop_orders", query: [("$skip", "3")])
                _ = try await sage.client.getAll("/customers")
                let log = await sage.server.store.requestLog()
                var lines = ""
                for entry in log where entry.fault == nil && !entry.route.isEmpty {
                    let record: JSONValue = [
                        "spec": .string(entry.spec), "method": .string(entry.method), "route": .string(entry.route),
                        "status": .int(entry.status), "request": entry.requestBody.map { .string($0) } ?? .null,
                        "response": .string(entry.responseBody),
                    ]
                    lines += record.serialized + "\n"
                }
                try lines.write(to: dir.appendingPathComponent("exchanges.jsonl"), atomically: true, encoding: .utf8)
            }
            let script = packageRoot.appendingPathComponent("Tests/contract/validate_sage200.py").path
            let (status, output) = try Self.run(["python3", script, Self.specs.path, dir.path])
            #expect(status == 0, "\(output)")
        }
    }
}

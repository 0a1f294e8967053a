import FerryConsole
import FerryObservability
import FerryPipeline
import FerryStages
import FerryTestSupport
import Foundation
import MagentoConnector
import SageSimulator
import Testing

/// config.schema.json, the JSON Schema editors use for config.json, is generated from the config model: the keys
/// the code accepts (`ConfigLoader.schema`, the connection, the alert and metrics sections, every task's settings
/// keys), typed and described by docs/configuration.md's tables (which `ConfigurationDocTests` keeps in step).
/// Regenerate it with `FERRY_WRITE_SCHEMA=1 swift test --filter ConfigSchemaTests`.
@Suite struct ConfigSchemaTests {
    static let schemaFile = packageRoot.appendingPathComponent("config.schema.json")

    /// docs/configuration.md rows per `<!-- keys: SECTION -->`: key -> (type, meaning).
    static func documentedRows() throws -> [String: [String: (type: String, meaning: String)]] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        var sections: [String: [String: (String, String)]] = [:]
        var current: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                current = line.range(of: "<!-- keys: ").flatMap { start in
                    line[start.upperBound...].range(of: " -->").map { String(line[start.upperBound..<$0.lowerBound]) }
                }
            } else if let current, line.hasPrefix("| `") {
                let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.count >= 5 else { continue }
                let key = String(cells[1].dropFirst().prefix { $0 != "`" })
                sections[current, default: [:]][key] = (cells[2], cells[4...].dropLast().joined(separator: "|"))
            }
        }
        return sections
    }

    /// The schema of one documented key (its JSON type when the docs name one, and its meaning).
    static func leaf(_ row: (type: String, meaning: String)?) -> [String: Any] {
        var schema: [String: Any] = [:]
        let type = row?.type.lowercased() ?? ""
        let json: String? =
            type.hasPrefix("integer") ? "integer"
            : type.hasPrefix("number") ? "number"
            : type.hasPrefix("string") || type.hasPrefix("path") || type.hasPrefix("secret") ? "string"
            : type.hasPrefix("object") ? "object"
            : type.hasPrefix("array") || type.hasPrefix("list") ? "array"
            : type.hasPrefix("boolean") || type.hasPrefix("true") ? "boolean" : nil
        if let json { schema["type"] = json }
        if let meaning = row?.meaning, !meaning.isEmpty { schema["description"] = meaning }
        return schema
    }

    /// A closed object: exactly `keys` (plus `$comment`), each typed from the docs' `section`.
    static func object(_ keys: Set<String>, section: String, rows: [String: [String: (type: String, meaning: String)]], nested: [String: Any] = [:]) -> [String: Any] {
        var properties: [String: Any] = [:]
        for key in keys.union(["$comment"]) { properties[key] = nested[key] ?? leaf(rows[section]?[key]) }
        return ["type": "object", "additionalProperties": false, "properties": properties]
    }

    static func generate() throws -> [String: Any] {
        let rows = try documentedRows()
        let kinds = BuiltinTasks.registry.kinds
        let stage = object(
            ConfigLoader.schema["stages[]"]!, section: "stages[]", rows: rows,
            nested: ["task": leaf(rows["stages[]"]?["task"]).merging(["enum": kinds.keys.sorted()]) { $1 }])
        var perTask: [[String: Any]] = []
        for name in kinds.keys.sorted() {
            // The Magento tasks also take the connection keys, documented once under connections.magento.
            var taskRows = rows
            taskRows["task:\(name)"] = (rows["task:\(name)"] ?? [:]).merging(rows["connections.magento"] ?? [:]) { own, _ in own }
            let settings = object(kinds[name]!.settingsKeys, section: "task:\(name)", rows: taskRows)
            perTask.append([
                "if": ["properties": ["task": ["const": name]], "required": ["task"]],
                "then": ["properties": ["settings": settings]],
            ])
        }
        let alerts = object(
            ObservabilitySettings.schema["alerts"]!, section: "alerts", rows: rows,
            nested: [
                "email": object(ObservabilitySettings.schema["alerts.email"]!, section: "alerts.email", rows: rows),
                "webhook": object(ObservabilitySettings.schema["alerts.webhook"]!, section: "alerts.webhook", rows: rows),
            ])
        let top = object(
            ConfigLoader.schema[""]!, section: "top", rows: rows,
            nested: [
                "archive": object(ConfigLoader.schema["archive"]!, section: "archive", rows: rows),
                "failed": object(ConfigLoader.schema["failed"]!, section: "failed", rows: rows),
                "retry": object(ConfigLoader.schema["retry"]!, section: "retry", rows: rows),
                "folders": ["type": "object", "additionalProperties": object(ConfigLoader.schema["folders.*"]!, section: "folders.*", rows: rows)],
                "connections": [
                    "type": "object",
                    "properties": ["magento": object(MagentoConnectionSettings.keys, section: "connections.magento", rows: rows)],
                ],
                "stages": ["type": "array", "items": stage.merging(["allOf": perTask]) { $1 }],
                "alerts": alerts,
                "metrics": object(ObservabilitySettings.schema["metrics"]!, section: "metrics", rows: rows),
                "console": object(ConsoleSettings.keys, section: "console", rows: rows),
                "sageSim": object(StockExportSettings.keys, section: "sageSim", rows: rows),
            ])
        return top.merging([
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "ferry config.json",
            "description": "Generated from ferry's config model (Tests/WorkflowTests/ConfigSchemaTests.swift); docs/configuration.md explains every key.",
            "required": ["stages"],
        ]) { $1 }
    }

    static func text() throws -> String {
        let data = try JSONSerialization.data(withJSONObject: try generate(), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    @Test func theShippedSchemaIsTheOneTheModelGenerates() throws {
        let generated = try Self.text()
        if ProcessInfo.processInfo.environment["FERRY_WRITE_SCHEMA"] == "1" {
            try Data(generated.utf8).write(to: Self.schemaFile)
        }
        let shipped = try String(contentsOf: Self.schemaFile, encoding: .utf8)
        #expect(shipped == generated, "config.schema.json is out of date: FERRY_WRITE_SCHEMA=1 swift test --filter ConfigSchemaTests")
    }

    @Test func theShippedConfigNamesTheSchema() throws {
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(config?["$schema"] as? String == "./config.schema.json")
    }

    /// With python3's jsonschema (an editor's view): config.json passes, a typo is caught at its path.
    @Test func theShippedConfigValidatesAndATypoDoesNot() throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import jsonschema"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { print("skipped: python3 is not installed"); return }
        check.waitUntilExit()
        guard check.terminationStatus == 0 else { print("skipped: python3's jsonschema is not installed"); return }
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); config = json.load(open(sys.argv[2]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(config))
            for e in errors: print("/".join(map(str, e.absolute_path)), e.message)
            config["stages"][1]["settings"]["bankAcount"] = "1200"
            print("typo:", [ "/".join(map(str, e.absolute_path)) for e in jsonschema.Draft202012Validator(schema).iter_errors(config)])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, Self.schemaFile.path, packageRoot.appendingPathComponent("config.json").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1, "config.json has schema errors: \(output)")
        #expect(lines.last?.contains("stages/1/settings") == true, "\(output)")
    }
}

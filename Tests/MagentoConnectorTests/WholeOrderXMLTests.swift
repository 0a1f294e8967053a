import FerryValues
import FerryXML
import Foundation
import MagentoConnector
import MagentoSandbox
import Testing

/// The downloaded XML keeps the order whole: every field Adobe's schema declares for an order (its items,
/// addresses, payment, status histories and extension attributes) is in the XML, under the reference format's
/// names where it has one and the JSON name otherwise, with the same text.
@Suite struct WholeOrderXMLTests {
    static var schemaAvailable: Bool { FileManager.default.fileExists(atPath: ContractTests.schema.path) }

    /// An order JSON holding every field of `sales-data-order-interface`, generated from the schema file read in
    /// place, written as order XML and read back: each JSON field is found with its value.
    @Test(.enabled(if: WholeOrderXMLTests.schemaAvailable, "../shared/reference/magento/admin-schema-2.4.9.yaml is absent"))
    func everySchemaFieldReachesTheXML() throws {
        let text = try String(contentsOf: ContractTests.schema, encoding: .utf8)
        let schema = SchemaDefinitions(yaml: text)
        let order = try #require(schema.definitions["sales-data-order-interface"])
        #expect(order.count > 100, "the order interface was not read from the schema (\(order.count) fields)")
        var generator = ExampleGenerator(schema: schema)
        let json = generator.value(definition: "sales-data-order-interface", path: [])
        let comparison = try Self.roundTrip(json)
        #expect(comparison.missing.isEmpty, "\(comparison.missing.count) fields missing, e.g. \(comparison.missing.prefix(15))")
        // Every declared field of the order itself and of its parts was generated and compared.
        for field in order.keys {
            #expect(comparison.checked.contains { $0 == field || $0.hasPrefix(field + ".") || $0.hasPrefix(field + "[") }, "\(field)")
        }
        print("whole order: \(comparison.checked.count) JSON fields compared with the XML")
    }

    /// The sandbox's own orders (what a download really gets) go through the same comparison.
    @Test func sandboxOrdersReachTheXMLWhole() async throws {
        try await withSandbox(orders: 12) { sandbox, client, store in
            let downloader = OrderDownloader(
                client: client, store: store, scope: "whole", settings: DownloadSettings(stages: [], sinceLastRun: false))
            for order in try await downloader.fetch().orders {
                let comparison = try Self.roundTrip(order.json)
                #expect(comparison.missing.isEmpty, "order \(order.incrementID ?? "?"): \(comparison.missing.prefix(10))")
            }
        }
    }

    struct Comparison {
        var checked: [String] = []
        var missing: [String] = []
    }

    /// Writes one order and compares the XML read back with its JSON, field by field.
    static func roundTrip(_ json: JSONValue) throws -> Comparison {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-whole-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: url) }
        try OrderXMLWriter.write([MagentoOrder(json: json)], to: url)
        var records: [XMLNode] = []
        try XMLRecordReader(url: url).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { records.append($0) }
        var comparison = Comparison()
        let record = try #require(records.first)
        compare(json, record, path: "", renames: ["entity_id": "order_id", "status_histories": "status_history"], into: &comparison)
        return comparison
    }

    /// The element names the reference format gives to the order's own arrays; every other array uses `item`.
    static let entryNames = ["items": "OrderProduct", "status_histories": "OrderStatus"]

    static func compare(_ json: JSONValue, _ node: XMLNode, path: String, renames: [String: String], into result: inout Comparison) {
        guard case .object(let members) = json else { return }
        for (key, value) in members.sorted(by: { $0.key < $1.key }) {
            let here = path.isEmpty ? key : path + "." + key
            let name = renames[key] ?? key
            let element = OrderXMLWriter.isXMLName(name)
                ? node.child(name) : node.children.first { $0.name == "field" && $0.attribute("name") == name }
            switch value {
            case .null:
                continue
            case .bool, .number, .string:
                result.checked.append(here)
                if element?.text != value.text { result.missing.append("\(here): \(value.text ?? "") vs \(element?.text ?? "nothing")") }
            case .object:
                guard let element else { result.missing.append(here); continue }
                compare(value, element, path: here, renames: [:], into: &result)
            case .array(let entries):
                if key == "street", path == "billing_address" {
                    // The reference format joins the billing street lines with newlines.
                    result.checked.append(here)
                    let joined = entries.compactMap(\.text).joined(separator: "\n")
                    if element?.text != joined { result.missing.append("\(here): street lines") }
                    continue
                }
                guard let element else { result.missing.append(here); continue }
                // Only the order's own items and histories have reference-format entry names.
                let xmlEntries = element.children(named: (path.isEmpty ? entryNames[key] : nil) ?? "item")
                guard xmlEntries.count == entries.count else {
                    result.missing.append("\(here): \(entries.count) entries vs \(xmlEntries.count)")
                    continue
                }
                for (index, (entry, xml)) in zip(entries, xmlEntries).enumerated() {
                    if case .object = entry {
                        compare(entry, xml, path: "\(here)[\(index)]", renames: [:], into: &result)
                    } else {
                        result.checked.append("\(here)[\(index)]")
                        if xml.text != entry.text { result.missing.append("\(here)[\(index)]") }
                    }
                }
            }
        }
    }
}

/// The `definitions` of Adobe's admin schema (OpenAPI 2 YAML), read with just enough YAML for its regular shape:
/// each definition's properties with their type, `$ref` or array item.
struct SchemaDefinitions {
    enum Kind {
        case scalar(String)
        case ref(String)
        case array(Box)
    }

    /// An array's item kind (indirect through a class: enums cannot nest themselves by value here).
    final class Box {
        let kind: Kind
        init(_ kind: Kind) { self.kind = kind }
    }

    var definitions: [String: [String: Kind]] = [:]

    init(yaml: String) {
        var inDefinitions = false
        var current: String?
        var inProperties = false
        var property: String?
        var inItems = false
        for raw in yaml.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            let indent = line.prefix { $0 == " " }.count
            let content = line.trimmingCharacters(in: .whitespaces)
            if indent == 0 { inDefinitions = content == "definitions:"; continue }
            guard inDefinitions else { continue }
            switch indent {
            case 2:
                current = content.hasSuffix(":") ? String(content.dropLast()) : nil
                inProperties = false
            case 4:
                inProperties = content == "properties:"
            case 6 where inProperties:
                property = content.hasSuffix(":") ? String(content.dropLast()) : nil
                inItems = false
            case 8 where inProperties:
                guard let current, let property else { continue }
                if content == "items:" { inItems = true; continue }
                inItems = false
                if let kind = Self.kind(content) { definitions[current, default: [:]][property] = kind }
            case 10 where inProperties && inItems:
                guard let current, let property, let kind = Self.kind(content) else { continue }
                definitions[current, default: [:]][property] = .array(Box(kind))
            default:
                continue
            }
        }
    }

    /// `type: number` or `"$ref": "#/definitions/x"`.
    static func kind(_ content: String) -> Kind? {
        if content.hasPrefix("type: ") {
            let type = String(content.dropFirst(6))
            return type == "array" || type == "object" ? nil : .scalar(type)
        }
        if content.hasPrefix("\"$ref\": ") {
            let ref = content.dropFirst(8).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return .ref(String(ref.split(separator: "/").last ?? ""))
        }
        return nil
    }
}

/// Builds a JSON value with every declared field, each leaf a distinct value; a definition is not expanded again
/// inside itself (an item's `parent_item`), so the example stays finite.
struct ExampleGenerator {
    let schema: SchemaDefinitions
    var counter = 0

    mutating func value(definition: String, path: [String]) -> JSONValue {
        guard let properties = schema.definitions[definition], !path.contains(definition), path.count < 6 else {
            return .null
        }
        var object: [String: JSONValue] = [:]
        for (name, kind) in properties {
            object[name] = value(kind, path: path + [definition], name: name)
        }
        return .object(object)
    }

    mutating func value(_ kind: SchemaDefinitions.Kind, path: [String], name: String) -> JSONValue {
        counter += 1
        switch kind {
        case .scalar("number"): return .number("\(counter).0125")
        case .scalar("integer"): return .number("\(counter)")
        case .scalar("boolean"): return .bool(counter % 2 == 0)
        case .scalar: return .string("\(name) \(counter) & <ü>")
        case .ref(let definition): return value(definition: definition, path: path)
        case .array(let box):
            let first = value(box.kind, path: path, name: name)
            let second = value(box.kind, path: path, name: name)
            return .array([first, second].filter { if case .null = $0 { false } else { true } })
        }
    }
}

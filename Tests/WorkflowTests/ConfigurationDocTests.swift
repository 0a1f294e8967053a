import FerryConsole
import FerryObservability
import FerryPipeline
import FerryStages
import FerryTestSupport
import Foundation
import MagentoConnector
import SageSimulator
import Testing

/// docs/configuration.md documents exactly the keys the code accepts.
@Suite struct ConfigurationDocTests {
    /// Keys per `<!-- keys: SECTION -->` heading: the backticked first column of its table rows.
    static func documentedKeys() throws -> [String: Set<String>] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        var sections: [String: Set<String>] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") {
                current = line.range(of: "<!-- keys: ").flatMap { start in
                    line[start.upperBound...].range(of: " -->").map { String(line[start.upperBound..<$0.lowerBound]) }
                }
                if let current { sections[current, default: []] = [] }
            } else if let current, line.hasPrefix("| `") {
                let key = line.dropFirst(3).prefix { $0 != "`" }
                sections[current, default: []].insert(String(key))
            }
        }
        return sections
    }

    @Test func engineKeysAreDocumented() throws {
        let documented = try Self.documentedKeys()
        let names = ["": "top", "archive": "archive", "failed": "failed", "retry": "retry", "folders.*": "folders.*", "stages[]": "stages[]"]
        for (section, keys) in ConfigLoader.schema {
            #expect(documented[names[section]!] == keys, "section \(section)")
        }
        #expect(documented["connections.magento"] == MagentoConnectionSettings.keys)
        #expect(documented["sageSim"] == StockExportSettings.keys)
        for (section, keys) in ObservabilitySettings.schema {
            #expect(documented[section] == keys, "section \(section)")
        }
        #expect(documented["console"] == ConsoleSettings.keys)
    }

    @Test func everyTasksKeysAreDocumented() throws {
        let documented = try Self.documentedKeys()
        for (name, kind) in BuiltinTasks.registry.kinds {
            let own = documented["task:\(name)"]
            #expect(own != nil, "task \(name) has no section in docs/configuration.md")
            let inherited: Set<String> = name.hasPrefix("magento.") ? MagentoConnectionSettings.keys : []
            #expect(own.map { $0.union(inherited) } == kind.settingsKeys, "task \(name)")
        }
    }
}

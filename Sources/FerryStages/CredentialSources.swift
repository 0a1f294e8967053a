public import FerryPipeline
import FerryValues
import Foundation
import MagentoConnector

/// Where each Magento secret will come from, for `ferry check-config`: said, never read.
public enum CredentialSources {
    /// One line per Magento connection (the shared block and every stage that overrides how it authenticates):
    /// its JSON path and the source of its secrets, read only at the first call to the store.
    public static func magento(in config: FerryConfig) -> [String] {
        let authKeys: Set<String> = ["auth", "tokenEnv", "credentialsFile"]
        var lines: [String] = []
        let shared = config.connections["magento"].flatMap { try? JSONDecoder().decode(MagentoConnectionSettings.self, from: $0.data) }
        let magentoKinds = Set(MagentoTasks.all.map(\.name))
        if let shared, config.stages.contains(where: { magentoKinds.contains($0.task) }) {
            lines.append("connections.magento: secrets from \(shared.credentialSource), read at the first call to the store")
        }
        for stage in config.stages where magentoKinds.contains(stage.task) {
            guard let own = try? JSONDecoder().decode(MagentoConnectionSettings.self, from: stage.settings.data),
                  let keys = try? JSONSerialization.jsonObject(with: stage.settings.data) as? [String: Any],
                  !authKeys.isDisjoint(with: keys.keys) else { continue }
            var merged = shared ?? MagentoConnectionSettings()
            merged.auth = own.auth ?? merged.auth
            merged.tokenEnv = own.tokenEnv ?? merged.tokenEnv
            merged.credentialsFile = own.credentialsFile ?? merged.credentialsFile
            lines.append("\(stage.path).settings (\(stage.name)): secrets from \(merged.credentialSource), read at the first call to the store")
        }
        return lines
    }
}

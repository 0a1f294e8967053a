public import FerryPipeline
import FerryXML
import Foundation
import MagentoConnector

/// The Magento tasks: download orders, update orders, upload inventory.
public enum MagentoTasks {
    /// Every Magento task kind, for the engine's registry.
    public static let all: [TaskKind] = [DownloadOrdersTask.kind, UpdateOrdersTask.kind, UploadInventoryTask.kind]
}

// Magento errors already know whether a retry can help (network, maintenance, 429/5xx).
extension MagentoError: RetryClassifying {}
extension MagentoSettingsError: RetryClassifying {
    public var isTransient: Bool { false }
}

extension TaskSettings {
    /// Decodes the connection (config.json's shared `connections.magento` block, overridden key by key by the
    /// stage's own settings) and turns its problems into a ``TaskSettingsError``.
    func magentoClient(_ environment: TaskEnvironment) throws -> MagentoClient {
        var connection = try environment.connection("magento")?.decode(MagentoConnectionSettings.self)
            ?? MagentoConnectionSettings()
        let own = try decode(MagentoConnectionSettings.self)
        connection.baseUrl = own.baseUrl ?? connection.baseUrl
        connection.storeCode = own.storeCode ?? connection.storeCode
        connection.auth = own.auth ?? connection.auth
        connection.tokenEnv = own.tokenEnv ?? connection.tokenEnv
        connection.credentialsFile = own.credentialsFile ?? connection.credentialsFile
        connection.caFile = own.caFile ?? connection.caFile
        connection.timeoutSeconds = own.timeoutSeconds ?? connection.timeoutSeconds
        connection.maxAttempts = own.maxAttempts ?? connection.maxAttempts
        do {
            // The secrets are read at the first call, never here: operator commands build every task.
            let configuration = try connection.configuration(
                resolve: environment.resolve,
                locateCredentials: { text in
                    // "credential:NAME" is the name given to systemd's LoadCredential=.
                    try SecretReference(text).file().map { URL(fileURLWithPath: $0) } ?? environment.resolve(text)
                },
                // Whatever happens downstream, these values are masked in logs, errors and reason files.
                onSecrets: { $0.forEach(Redaction.register) })
            return MagentoClient(configuration: configuration, logger: environment.logger)
        } catch let error as MagentoSettingsError {
            // A key the stage does not set came from the shared block: report it there.
            let ownKeys = (try? JSONEncoder().encode(own)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }?.keys
            let settingsPath = ownKeys?.contains(error.key) == false && environment.connections["magento"] != nil ? "connections.magento" : path
            throw TaskSettingsError(settingsPath: settingsPath, key: error.key, message: error.message)
        }
    }
}

extension TaskSettings {
    /// A stage's Magento sync job: its settings decoded and checked (a problem names its key), its client from the
    /// connection (``magentoClient(_:)``), the stage's name as its ledger scope.
    func magentoJob<Job: MagentoSyncJob>(_ environment: TaskEnvironment) throws -> Job {
        let jobSettings = try decode(Job.Settings.self)
        if let (key, message) = jobSettings.validate() {
            throw TaskSettingsError(settingsPath: path, key: key, message: message)
        }
        return Job(
            client: try magentoClient(environment), store: environment.store, scope: environment.stageName,
            settings: jobSettings, logger: environment.logger)
    }
}

/// Writes a record to a fail file with the reference's `<Errors>` block first.
func failRecord(_ record: XMLNode, reason: String) -> XMLNode {
    var copy = record
    let stamp = ISO8601DateFormatter().string(from: Date())
    let error = XMLNode(
        name: "Error",
        children: [
            XMLNode(name: "Date", text: stamp), XMLNode(name: "Name", text: "Magento"),
            XMLNode(name: "Description", text: reason),
        ])
    copy.children.insert(XMLNode(name: "Errors", children: [error]), at: 0)
    return copy
}

/// Writes `records` under `root` to a new output, if the stage declares it and there is something to write.
func writeRecords(_ records: [XMLNode], root: String, output: String, name: String, context: TaskContext) throws {
    guard !records.isEmpty, context.hasOutput(output) else { return }
    let pending = try context.createOutput(output, name: name)
    let writer = try XMLStreamWriter(url: pending.url)
    try writer.startElement(root)
    for record in records { try writer.write(record) }
    try writer.endElement()
    try writer.finish()
}

public import FerryState
public import Logging

/// The settings of a Magento sync job, as a stage's `settings` give them.
public protocol MagentoJobSettings: Decodable, Sendable {
    /// Checks ranges and choices; the first bad setting's key and what is wrong with it, nil when all are good.
    func validate() -> (key: String, message: String)?
}

/// What every Magento sync job works with: the store's client, the state store holding its ledger, the ledger's
/// scope (normally the stage name) and a logger.
public struct MagentoJobContext: Sendable {
    /// The store's REST client.
    public let client: MagentoClient
    /// The state store holding the job's ledger.
    public let store: StateStore
    /// The ledger's key, normally the stage name.
    public let scope: String
    /// Where the job logs.
    public let logger: Logger
    // Made by MagentoSyncJob's init(client:store:scope:settings:logger:) through the memberwise init.
}

/// A Magento sync job (``OrderDownloader``, ``OrderUpdater``, ``InventoryUploader``): a context and settings, so a
/// stage builds any of them the same way.
public protocol MagentoSyncJob: Sendable {
    /// The job's own settings.
    associatedtype Settings: MagentoJobSettings

    /// The client, the state store, the ledger's scope and the logger.
    var context: MagentoJobContext { get }

    /// Creates the job.
    init(context: MagentoJobContext, settings: Settings)
}

extension MagentoSyncJob {
    /// Creates the job.
    /// - Parameters:
    ///   - client: the store's REST client.
    ///   - store: the state store holding the job's ledger.
    ///   - scope: the ledger's key, normally the stage name.
    ///   - settings: the job's settings, validated.
    ///   - logger: where the job logs.
    public init(
        client: MagentoClient, store: StateStore, scope: String, settings: Settings,
        logger: Logger = Logger(label: "ferry.magento")
    ) {
        self.init(context: MagentoJobContext(client: client, store: store, scope: scope, logger: logger), settings: settings)
    }

    /// The store's REST client.
    public var client: MagentoClient { context.client }
    /// The state store holding the job's ledger.
    public var store: StateStore { context.store }
    /// The ledger's key, normally the stage name.
    public var scope: String { context.scope }
    /// Where the job logs.
    var logger: Logger { context.logger }
}

extension DownloadSettings: MagentoJobSettings {}
extension UpdateSettings: MagentoJobSettings {}
extension InventorySettings: MagentoJobSettings {}
extension OrderDownloader: MagentoSyncJob {}
extension OrderUpdater: MagentoSyncJob {}
extension InventoryUploader: MagentoSyncJob {}

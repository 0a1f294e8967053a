public import FerryState
public import Logging

/// The settings of a Magento sync job, as a stage's `settings` give them.
public protocol MagentoJobSettings: Decodable, Sendable {
    /// Checks ranges and choices; the first bad setting's key and what is wrong with it, nil when all are good.
    func validate() -> (key: String, message: String)?
}

/// A Magento sync job (``OrderDownloader``, ``OrderUpdater``, ``InventoryUploader``): what each one works with, so
/// a stage builds any of them the same way.
public protocol MagentoSyncJob: Sendable {
    /// The job's own settings.
    associatedtype Settings: MagentoJobSettings

    /// Creates the job.
    /// - Parameters:
    ///   - client: the store's REST client.
    ///   - store: the state store holding the job's ledger.
    ///   - scope: the ledger's key, normally the stage name.
    ///   - settings: the job's settings, validated.
    ///   - logger: where the job logs.
    init(client: MagentoClient, store: StateStore, scope: String, settings: Settings, logger: Logger)
}

extension DownloadSettings: MagentoJobSettings {}
extension UpdateSettings: MagentoJobSettings {}
extension InventorySettings: MagentoJobSettings {}
extension OrderDownloader: MagentoSyncJob {}
extension OrderUpdater: MagentoSyncJob {}
extension InventoryUploader: MagentoSyncJob {}

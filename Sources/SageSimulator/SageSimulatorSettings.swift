public import Foundation
import SageSide

/// Everything `ferry sage-sim` needs: the four Sage-side folders, the company file and Sage 50's options.
public struct SageSimulatorSettings: Sendable {
    /// How an unknown stock code is treated (Zynk: AutoCreateProducts with DefaultProductCode S1, or not).
    public enum UnknownStockCode: String, Sendable {
        /// The line is imported as the non-stock code S1.
        case useS1
        /// The whole order fails.
        case fail
    }

    /// Fault modes reproducing what goes wrong with a real Sage 50 job.
    public struct Faults: Sendable {
        /// Every file fails whole with "Username is already in use" (Sage open on another desk).
        public var usernameInUse = false
        /// Added time per imported order (a slow Sage).
        public var importDelay: Duration = .zero
        /// Success and fail files written in place in chunks of this many bytes, with `slowWriteDelay` between
        /// them, as over SMB (ferry must not read a half-written file); nil writes whole files by rename.
        public var slowWriteChunk: Int? = nil
        /// Pause between chunks of a slow write.
        public var slowWriteDelay: Duration = .milliseconds(200)
        /// A file imported again after a crash ignores what its first pass noted, as a job keeping no record of
        /// its progress: the orders imported before the crash come out as "already imported as N" fail records
        /// instead of in the success file (the inconsistent case ferry must handle anyway).
        public var forgetImportsOnRestart = false

        /// No faults.
        public init() {}
    }

    /// `outbox/sage-orders`: polled for Zynk sales order files.
    public var ordersFolder: URL
    /// `inbox/sage-success`.
    public var successFolder: URL
    /// `inbox/sage-failed`.
    public var failedFolder: URL
    /// `inbox/sage-stock`.
    public var stockFolder: URL
    /// Where imported order files are moved; default `<ordersFolder>/../sage-orders-imported`.
    public var archiveFolder: URL
    /// The company's SQLite file (created and stocked with the demo catalogue on first use).
    public var databasePath: String
    /// The first Sage order number of a new company.
    public var firstOrderNumber = 90_001
    /// The demo catalogue's seed (must match the Magento sandbox's).
    public var catalogueSeed = DemoCatalogue.defaultSeed
    /// Unknown stock codes.
    public var unknownStockCode = UnknownStockCode.useS1
    /// Create missing customer accounts (with generated references when the order has none).
    public var autoCreateCustomers = true
    /// Refuse an order whose Id was already imported (fail file).
    public var preventDuplicates = true
    /// Stock export: Sage 50's "Export Stock Records" settings (config.json's `sageSim` section).
    public var stockExport = StockExportSettings()
    /// How often `run()` polls the orders folder (a share gives no inotify events).
    public var pollInterval: Duration = .seconds(2)
    /// How often `run()` exports stock; nil: only on demand (``SageSimulator/exportStock(all:)``).
    public var stockExportInterval: Duration? = .seconds(60)
    /// Fault modes.
    public var faults = Faults()

    /// Settings for a ferry folder tree rooted at `root` (`outbox/sage-orders`, `inbox/sage-*`) with the company
    /// in `databasePath`.
    public init(root: URL, databasePath: String) {
        ordersFolder = root.appendingPathComponent("outbox/sage-orders")
        successFolder = root.appendingPathComponent("inbox/sage-success")
        failedFolder = root.appendingPathComponent("inbox/sage-failed")
        stockFolder = root.appendingPathComponent("inbox/sage-stock")
        archiveFolder = root.appendingPathComponent("outbox/sage-orders-imported")
        stockExport.attachmentsFolder = root.appendingPathComponent("sage-attachments")
        self.databasePath = databasePath
    }
}

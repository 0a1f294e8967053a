import FerryPipeline
import FerryState
import FerryXML
import Foundation
import Logging
import SageSide

/// `magento-orders-to-sage-orders`: Magento order file -> Zynk sales orders for the Sage-side job.
///
/// Outputs: `out` (required, the Sage outbox) and `fail` (optional: pre-validation failures as Zynk fail records;
/// without it they are only logged and counted). Orders go through the ledger: each reaches the outbox once.
struct MapOrdersTask: BlockingFileTask {
    static let kind = TaskKind.file(
        name: "magento-orders-to-sage-orders", settingsKeys: OrderMappingSettings.keys,
        migrations: Ledger.migrations, overlapsFiles: true
    ) { settings, environment in
        MapOrdersTask(settings: try decodeMappingSettings(settings, OrderMappingSettings.self), environment: environment)
    }

    let settings: OrderMappingSettings
    let environment: TaskEnvironment
    /// Built once per stage: making it per file (time zones, calendars, tax tables) was an eighth of the engine's
    /// time in the burst benchmark.
    private let mapper: OrderFileMapper
    private let spillFolder = FileManager.default.temporaryDirectory.path

    init(settings: OrderMappingSettings, environment: TaskEnvironment) {
        self.settings = settings
        self.environment = environment
        self.mapper = OrderFileMapper(settings: settings, logger: environment.logger)
    }

    // Blocking libxml2 work: the engine runs it on the blocking pool (BlockingFileTask).
    func runBlocking(_ input: TaskInput, context: TaskContext) throws {
        let ledger = Ledger(store: environment.store, profile: settings.profile)
        // Spilled to a file only past 4,096 orders; the claimed input's name is its run ID, unique.
        let sent = SentOrders { [spillFolder] in
            URL(filePath: "\(spillFolder)/ferry-ledger-\(input.url.lastPathComponent).tsv", directoryHint: .notDirectory)
        }
        let summary: OrderFileSummary
        do {
            summary = try mapper.map(
                input: input.url,
                output: { try context.createOutput("out", name: "\(input.baseName)-sage-orders.xml").url },
                fail: context.hasOutput("fail")
                    ? { try context.createOutput("fail", name: "\(input.baseName)-sage-orders-fail.xml").url } : nil,
                sent: sent,
                lookup: { try ledger.decide($0) },
                onRecord: { summary in
                    if summary.read % 1_000 == 0 { context.progress("orders mapped", done: summary.read, total: nil) }
                },
                logger: context.logger)
        } catch {
            sent.discard()
            if error is RecordError || error is XMLError { throw TaskError.badInput("\(input.name): \(error)") }
            throw error
        }
        // The ledger learns of the orders in the same transaction that publishes the outbox file, and so do the
        // refusals (with their reasons, for the console's Orders page).
        let stage = context.environment.stageName
        context.onCommit { [refusals = summary.refusals] db in
            try OrderRefusals.record(db, refusals, refusedBy: "ferry pre-validation", stage: stage, file: input.name)
            do { try sent.record(into: ledger, db: db) } catch let conflict as LedgerConflict {
                // Two files with the same order mapped at once (overlapsFiles): the engine maps this one again.
                throw TaskError.conflict("\(conflict)")
            }
        }
        context.count("orders.mapped", by: summary.sent)
        context.count("orders.failed", by: summary.failed)
        context.count("orders.duplicates", by: summary.duplicates)
        context.count("orders.changed", by: summary.changed)
        context.count("orders.truncated", by: summary.truncated)
        context.logger.info(
            """
            mapped \(summary.read) orders: \(summary.sent) to Sage, \(summary.failed) failed, \
            \(summary.duplicates) already sent, \(summary.changed) changed since sent
            """)
    }
}


/// Decodes a task's settings, turning our value checks into the engine's settings error.
func decodeMappingSettings<T: Decodable>(_ settings: TaskSettings, _ type: T.Type) throws -> T {
    do {
        return try settings.decode(type)
    } catch let error as MappingSettingsError {
        throw TaskSettingsError(settingsPath: settings.path, key: error.key, message: error.message)
    }
}

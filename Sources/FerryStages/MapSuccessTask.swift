import FerryPipeline
import FerryState
import FerryXML
import Foundation
import Logging
import SageSide

/// `sage-success-to-magento-updates`: Sage success file -> Magento order updates; fills in Sage's order numbers
/// in the ledger. Output: `out` (the Magento order-update folder).
struct MapSuccessTask: StageTask {
    static let kind = TaskKind(
        name: "sage-success-to-magento-updates", settingsKeys: SuccessMappingSettings.keys,
        migrations: Ledger.migrations
    ) { settings, environment in
        MapSuccessTask(
            settings: try decodeMappingSettings(settings, SuccessMappingSettings.self), environment: environment)
    }

    let settings: SuccessMappingSettings
    let environment: TaskEnvironment

    func run(_ context: TaskContext) async throws {
        guard let input = context.input else {
            throw TaskError.badInput("\(Self.kind.name) needs an input file: give the stage a \"watch\" folder")
        }
        let ledger = Ledger(store: environment.store, profile: settings.profile)
        var numbers: [(String?, String?, String)] = []
        let result: (updated: Int, skipped: Int)
        do {
            result = try SuccessFileMapper(settings: settings, logger: context.logger).map(
                input: input.url,
                output: { try context.createOutput("out", name: "\(input.baseName)-order-updates.xml").url },
                onSuccess: { numbers.append(($0, $1, $2)) })
        } catch let error as XMLError {
            throw TaskError.badInput("\(input.name): \(error)")
        }
        let found = numbers
        let logger = context.logger
        context.onCommit { db in
            for (id, increment, number) in found
            where try !ledger.setInternalId(db, externalId: id, externalRef: increment, internalId: number) {
                logger.warning("Sage order \(number) (Magento \(increment ?? id ?? "?")) is not in the ledger")
            }
        }
        context.count("orders.imported", by: found.count)
        context.count("orders.updates", by: result.updated)
    }
}

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
        migrations: Ledger.migrations, produces: ["out": "magento-order-updates"]
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
        let mapper = SuccessFileMapper(settings: settings, logger: context.logger)
        let result: (updated: Int, skipped: Int)
        let found: [SageNumber]
        do {
            (result, found) = try await offload {
                var numbers: [SageNumber] = []
                let result = try mapper.map(
                    input: input.url,
                    output: { try context.createOutput("out", name: "\(input.baseName)-order-updates.xml").url },
                    onSuccess: { numbers.append(SageNumber(id: $0, increment: $1, number: $2)) })
                return (result, numbers)
            }
        } catch let error as XMLError {
            throw TaskError.badInput("\(input.name): \(error)")
        }
        let logger = context.logger
        context.onCommit { db in
            for n in found
            where try !ledger.setInternalId(db, externalId: n.id, externalRef: n.increment, internalId: n.number) {
                logger.warning("Sage order \(n.number) (Magento \(n.increment ?? n.id ?? "?")) is not in the ledger")
            }
        }
        context.count("orders.imported", by: found.count)
        context.count("orders.updates", by: result.updated)
    }
}

/// Sage's order number for one Magento order, from a success record.
struct SageNumber: Sendable {
    let id: String?
    let increment: String?
    let number: String
}

import FerryPipeline
import FerryState
import FerryXML
import Foundation
import Logging
import SageSide

/// `sage-success-to-magento-updates`: Sage success file -> Magento order updates; fills in Sage's order numbers
/// in the ledger. Outputs: `out` (the Magento order-update folder) and `fail` (optional: records not acted on, as
/// Zynk fail records with the reason; without it they are only logged and counted).
///
/// An order is updated in Magento only by the record that first gives the ledger its Sage number, so a success
/// file seen twice, or an order Sage reported twice, is commented once.
struct MapSuccessTask: FileTask {
    static let kind = TaskKind.file(
        name: "sage-success-to-magento-updates", settingsKeys: SuccessMappingSettings.keys,
        migrations: Ledger.migrations, produces: ["out": "magento-order-updates"]
    ) { settings, environment in
        MapSuccessTask(
            settings: try decodeMappingSettings(settings, SuccessMappingSettings.self), environment: environment)
    }

    let settings: SuccessMappingSettings
    let environment: TaskEnvironment

    func run(_ input: TaskInput, context: TaskContext) async throws {
        let ledger = Ledger(store: environment.store, profile: settings.profile)
        let mapper = SuccessFileMapper(settings: settings, logger: context.logger)
        let summary: SuccessFileMapper.Summary
        do {
            summary = try await offload {
                try mapper.map(
                    input: input.url,
                    output: { try context.createOutput("out", name: "\(input.baseName)-order-updates.xml").url },
                    fail: context.hasOutput("fail")
                        ? { try context.createOutput("fail", name: "\(input.baseName)-success-rejected.xml").url } : nil,
                    lookup: { record, number in
                        try ledger.confirmation(
                            externalId: record.id, externalRef: record.customerOrderNumber, number: number)
                    })
            }
        } catch let error as XMLError {
            throw TaskError.badInput("\(input.name): \(error)")
        }
        let confirmed = summary.plan.confirmed
        context.onCommit { db in try confirm(confirmed, in: ledger, db: db) }
        context.count("orders.imported", by: confirmed.count)
        context.count("orders.updates", by: summary.updated)
        context.count("orders.success-repeated", by: summary.plan.repeated)
        context.count("orders.success-rejected", by: summary.plan.rejected.count)
    }
}

/// Records Sage's numbers of the orders a plan confirmed, inside the commit of their Magento updates.
///
/// - Throws: ``TaskError/conflict(_:)`` when another file confirmed one of them meanwhile (it told Magento):
///   the engine undoes this commit and maps the file again, which then finds the number known.
func confirm(_ confirmed: [ConfirmedSuccess], in ledger: Ledger, db: StateDatabase) throws {
    do {
        for order in confirmed {
            guard let entry = order.entry else { continue }
            try ledger.confirm(db, entry, number: order.number)
        }
    } catch let conflict as LedgerConflict {
        throw TaskError.conflict("\(conflict)")
    }
}

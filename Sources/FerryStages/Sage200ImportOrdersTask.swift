import FerryPipeline
import FerryXML
import Foundation
import Logging
import Sage200Connector
import SageSide

/// `sage200.import-orders`: a Magento order file -> Sage 200 sales orders through the API, each exactly once.
///
/// Outputs: `success` (Sage's order numbers, in the Sage 50 side's success-file shape, so
/// `sage-success-to-magento-updates` and `magento.update-orders` take it unchanged) and `fail` (orders Sage cannot
/// take, with the reason in Zynk `<Errors>`). A network fault leaves the file to be retried; the Sage 200 ledger
/// makes the retry report the orders already created instead of creating them again.
struct Sage200ImportOrdersTask: FileTask {
    static let kind = TaskKind.file(
        name: "sage200.import-orders", settingsKeys: Sage200OrderSettings.keys,
        migrations: Sage200Ledger.migrations + Ledger.migrations
    ) { settings, environment in
        let client = try environment.sage200Client()
        return Sage200ImportOrdersTask(
            importer: Sage200OrderImporter(
                client: client, ledger: Sage200Ledger(store: environment.store),
                settings: try settings.decode(Sage200OrderSettings.self), logger: environment.logger),
            sent: Ledger(store: environment.store, profile: SuccessMappingSettings().profile), client: client)
    }

    let importer: Sage200OrderImporter
    /// The order ledger `sage-success-to-magento-updates` confirms against: an order is entered there once Sage
    /// 200 holds it, as the Sage 50 mapping enters the orders it hands to the import job.
    let sent: Ledger
    /// For the refresh token's expiry notice.
    let client: Sage200Client

    func run(_ input: TaskInput, context: TaskContext) async throws {
        await client.noticeExpiringAuthorization(to: context)
        let records: [XMLNode]
        do {
            records = try await offload {
                var records: [XMLNode] = []
                try XMLRecordReader(url: input.url).forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { records.append($0) }
                return records
            }
        } catch let error as XMLError {
            throw TaskError.badInput("\(input.name): \(error)")
        }
        let now = ISO8601DateFormatter().string(from: Date())
        var successes: [OutputElement] = []
        var failures: [OutputElement] = []
        var imported: [(id: String, ref: String)] = []
        // By who refused (ferry reading the record, or Sage 200), for the console's Orders page (OrderRefusals).
        var refusals: [String: [OrderRefusal]] = [:]
        // The first order whose POST is undecided (``Sage200OrderImporter/undecidedSeconds``): thrown once the rest
        // of the file is done, so the file is tried again and its created orders come back as already imported.
        var undecided: Sage200Error?
        for (index, record) in records.enumerated() {
            let order: MagentoOrder
            do { order = try MagentoOrder(record: record) } catch {
                let failed = SalesOrder(id: record.child("order_id")?.text ?? "", customerOrderNumber: record.child("increment_id")?.text)
                failures.append(failed.element(errors: [ZynkError(name: "Validation", description: "\(error)", date: now)]))
                refusals["ferry validation", default: []].append(
                    OrderRefusal(externalId: failed.id, externalRef: failed.customerOrderNumber, reason: "\(error)"))
                context.count("orders.failed")
                continue
            }
            let meta: Logger.Metadata = ["ferry.order": "\(order.incrementId)"]
            let outcome: Sage200ImportOutcome
            do { outcome = try await importer.importOrder(order) } catch let error as Sage200Error where error.code == .undecided {
                // It must not hold back the orders after it: they go on, and the file is tried again for it.
                context.logger.info("\(error)", metadata: meta)
                undecided = undecided ?? error
                continue
            }
            switch outcome {
            case .refused(let reason):
                context.logger.warning("order not imported into Sage 200: \(reason)", metadata: meta)
                failures.append(
                    SalesOrder(id: order.entityId, customerOrderNumber: order.incrementId)
                        .element(errors: [ZynkError(name: "Sage 200", description: reason, date: now)]))
                refusals["Sage 200", default: []].append(
                    OrderRefusal(externalId: order.entityId, externalRef: order.incrementId, reason: reason))
                context.count("orders.failed")
            case .created(let number, _), .adopted(let number, _), .alreadyImported(let number):
                imported.append((order.entityId, order.incrementId))
                successes.append(
                    SalesOrder(id: order.entityId, salesOrderNumber: number, customerOrderNumber: order.incrementId).element())
                context.count(
                    {
                        switch outcome {
                        case .created: "orders.imported"
                        case .adopted: "orders.adopted"
                        default: "orders.duplicates"
                        }
                    }())
            }
            context.progress("orders", done: index + 1, total: records.count)
        }
        if let undecided { throw undecided }
        let sent = self.sent
        let entered = imported
        let refused = refusals
        let stage = context.environment.stageName
        context.onCommit { db in
            for (refusedBy, orders) in refused {
                try OrderRefusals.record(db, orders, refusedBy: refusedBy, stage: stage, file: input.name)
            }
            // INSERT OR IGNORE: a file run again after a crash finds its orders entered already.
            for order in entered { try sent.record(db, externalId: order.id, externalRef: order.ref, hash: "sage200") }
        }
        for (output, elements, suffix) in [("success", successes, "sage200-success"), ("fail", failures, "sage200-fail")]
        where !elements.isEmpty && context.hasOutput(output) {
            let url = try context.createOutput(output, name: "\(input.baseName)-\(suffix).xml").url
            try await offload {
                let writer = try XMLStreamWriter(url: url)
                try writer.startElement("Company")
                try writer.startElement("SalesOrders")
                for element in elements { try writer.write(element) }
                try writer.endElement()
                try writer.endElement()
                try writer.finish()
            }
        }
    }
}

import FerryPipeline
import FerryXML
import Foundation
import Logging
import SageSide

/// `sage-failed-report`: a Sage fail file is never silent. Logs every failed order with its reasons, counts them
/// (`orders.sage-failed`) and, with `markInMagento`, writes a Magento order-update file (output `out`) commenting
/// each order, so the shop sees it too. The fail file itself is archived like every processed input.
///
/// A record saying Sage already has the order ("already imported as N (PreventDuplicates)", as a restarted Sage
/// job reports the orders it imported before a crash) is not a refusal: it is a success with Sage number N,
/// confirmed through the ledger like a success record, and its Magento update (`importedCommentTemplate`) goes to
/// `out`, once per order.
struct SageFailedReportTask: FileTask {
    struct Settings: Decodable, Sendable {
        /// Write an order-update file commenting each failed order.
        var markInMagento = false
        /// The comment; `{Reason}` and `{CustomerOrderNumber}` are replaced.
        var commentTemplate = "Sage import failed: {Reason}"
        /// The comment on an order Sage reports as already imported; as the success stage's `commentTemplate`.
        var importedCommentTemplate = SuccessMappingSettings().commentTemplate

        /// The ledger profile of the orders (as in `magento-orders-to-sage-orders`).
        var profile = "magento-sage"

        static let keys: Set<String> = ["markInMagento", "commentTemplate", "importedCommentTemplate", "profile"]

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            markInMagento = try c.decodeIfPresent(Bool.self, forKey: .markInMagento) ?? markInMagento
            commentTemplate = try c.decodeIfPresent(String.self, forKey: .commentTemplate) ?? commentTemplate
            importedCommentTemplate =
                try c.decodeIfPresent(String.self, forKey: .importedCommentTemplate) ?? importedCommentTemplate
            profile = try c.decodeIfPresent(String.self, forKey: .profile) ?? profile
        }

        enum CodingKeys: String, CodingKey { case markInMagento, commentTemplate, importedCommentTemplate, profile }
    }

    static let kind = TaskKind.file(name: "sage-failed-report", settingsKeys: Settings.keys, migrations: Ledger.migrations, produces: ["out": "magento-order-updates"],
        alertCounters: ["orders.sage-failed"]) { settings, environment in
        let decoded = try settings.decode(Settings.self)
        return SageFailedReportTask(settings: decoded, ledger: Ledger(store: environment.store, profile: decoded.profile))
    }

    let settings: Settings
    let ledger: Ledger

    func run(_ input: TaskInput, context: TaskContext) async throws {
        let settings = self.settings
        let ledger = self.ledger
        let report: Report
        do {
            report = try await offload { try Self.report(input: input, settings: settings, ledger: ledger, context: context) }
        } catch let error as XMLError {
            throw TaskError.badInput("\(input.name): \(error)")
        }
        context.count("orders.sage-failed", by: report.refused.count)
        context.count("orders.already-imported", by: report.plan.confirmed.count + report.plan.repeated)
        context.count("orders.success-rejected", by: report.plan.rejected.count)
        // Refused orders leave the ledger with this file's commit, so they are not blocked as duplicates when
        // they are sent again after the cause is fixed; orders Sage already has get their number instead.
        // The reasons are kept (``OrderRefusals``) for the console's Orders page.
        let refused = report.refused
        let confirmed = report.plan.confirmed
        let stage = context.environment.stageName
        context.onCommit { db in
            for order in refused {
                try ledger.forgetRefused(db, externalId: order.externalId, externalRef: order.externalRef)
            }
            try OrderRefusals.record(db, refused, refusedBy: "Sage", stage: stage, file: input.name)
            try confirm(confirmed, in: ledger, db: db)
        }
    }

    /// What one fail file holds.
    private struct Report: Sendable {
        /// Orders Sage refused, with Sage's reasons.
        var refused: [OrderRefusal] = []
        /// Orders Sage already had, as success records checked against the ledger.
        var plan = SuccessPlan()
    }

    private static func report(input: TaskInput, settings: Settings, ledger: Ledger, context: TaskContext) throws
        -> Report
    {
        var report = Report()
        var writer: XMLStreamWriter?
        func updates() throws -> XMLStreamWriter {
            if let writer { return writer }
            let created = try XMLStreamWriter(
                url: try context.createOutput("out", name: "\(input.baseName)-failed-updates.xml").url)
            try created.startElement("ArrayOfOrderInfo")
            writer = created
            return created
        }
        var imported: [SageSuccess] = []
        try FailFileReader.forEachFailure(in: input.url) { order in
            let name = order.customerOrderNumber ?? order.id ?? "?"
            let metadata: Logger.Metadata = ["ferry.order": "\(name)", "ferry.file": "\(input.name)"]
            if let already = AlreadyImported.find(in: order.errors) {
                guard let number = already.number else {
                    // In Sage, so never forgotten (sending it again would be refused again), but its number is
                    // unknown: a person looks it up.
                    context.logger.error(
                        """
                        Sage already has order \(name) but did not say its number (\(order.reason)): look it up in \
                        Sage; Magento was not told
                        """, metadata: metadata)
                    return
                }
                context.logger.info("Sage already has order \(name) as sales order \(number)", metadata: metadata)
                imported.append(SageSuccess(
                    id: order.id, customerOrderNumber: order.customerOrderNumber, salesOrderNumber: number, line: order.line))
                return
            }
            report.refused.append(OrderRefusal(externalId: order.id, externalRef: order.customerOrderNumber, reason: order.reason))
            context.logger.error("Sage did not import order \(name): \(order.reason)", metadata: metadata)
            guard settings.markInMagento, let increment = order.customerOrderNumber else { return }
            let comment = settings.commentTemplate
                .replacingOccurrences(of: "{Reason}", with: order.reason)
                .replacingOccurrences(of: "{CustomerOrderNumber}", with: increment)
            try updates().write(MagentoOrderUpdate(incrementId: increment, comment: comment).element)
        }
        report.plan = try SuccessPlan.make(imported) { record, number in
            try ledger.confirmation(externalId: record.id, externalRef: record.customerOrderNumber, number: number)
        }
        for rejected in report.plan.rejected {
            context.logger.error(
                "already-imported record not acted on: \(rejected.reason)",
                metadata: ["ferry.order": "\(rejected.record.orderName)", "ferry.file": "\(input.name)"])
        }
        if !report.plan.confirmed.isEmpty {
            if context.hasOutput("out") {
                var success = SuccessMappingSettings()
                success.commentTemplate = settings.importedCommentTemplate
                _ = try SuccessFileMapper.writeUpdates(
                    report.plan.confirmed, mapper: SuccessMapper(settings: success), logger: context.logger,
                    writer: updates)
            } else {
                context.logger.error(
                    """
                    \(report.plan.confirmed.count) orders Sage already had are recorded with their numbers, but \
                    Magento is not told: give the stage an "out" output (the Magento order-update folder)
                    """, metadata: ["ferry.file": "\(input.name)"])
            }
        }
        try writer?.endElement()
        try writer?.finish()
        return report
    }
}

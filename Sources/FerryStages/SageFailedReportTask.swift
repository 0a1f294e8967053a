import FerryPipeline
import FerryXML
import Foundation
import Logging
import SageSide

/// `sage-failed-report`: a Sage fail file is never silent. Logs every failed order with its reasons, counts them
/// (`orders.sage-failed`) and, with `markInMagento`, writes a Magento order-update file (output `out`) commenting
/// each order, so the shop sees it too. The file itself stays in the failed inbox for `ferry retry`.
struct SageFailedReportTask: StageTask {
    struct Settings: Decodable, Sendable {
        /// Write an order-update file commenting each failed order.
        var markInMagento = false
        /// The comment; `{Reason}` and `{CustomerOrderNumber}` are replaced.
        var commentTemplate = "Sage import failed: {Reason}"

        /// The ledger profile of the orders (as in `magento-orders-to-sage-orders`).
        var profile = "magento-sage"

        static let keys: Set<String> = ["markInMagento", "commentTemplate", "profile"]

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            markInMagento = try c.decodeIfPresent(Bool.self, forKey: .markInMagento) ?? markInMagento
            commentTemplate = try c.decodeIfPresent(String.self, forKey: .commentTemplate) ?? commentTemplate
            profile = try c.decodeIfPresent(String.self, forKey: .profile) ?? profile
        }

        enum CodingKeys: String, CodingKey { case markInMagento, commentTemplate, profile }
    }

    static let kind = TaskKind(name: "sage-failed-report", settingsKeys: Settings.keys, migrations: Ledger.migrations, produces: ["out": "magento-order-updates"]) { settings, environment in
        let decoded = try settings.decode(Settings.self)
        return SageFailedReportTask(settings: decoded, ledger: Ledger(store: environment.store, profile: decoded.profile))
    }

    let settings: Settings
    let ledger: Ledger

    func run(_ context: TaskContext) async throws {
        guard let input = context.input else {
            throw TaskError.badInput("\(Self.kind.name) needs an input file: give the stage a \"watch\" folder")
        }
        let settings = self.settings
        let failed: Int
        let refused: [(String?, String?)]
        do {
            (failed, refused) = try await offload {
                var writer: XMLStreamWriter?
                var failed = 0
                var refused: [(String?, String?)] = []
                try FailFileReader.forEachFailure(in: input.url) { order in
                    failed += 1
                    refused.append((order.id, order.customerOrderNumber))
                    let name = order.customerOrderNumber ?? order.id ?? "?"
                    context.logger.error(
                        "Sage did not import order \(name): \(order.reason)",
                        metadata: ["ferry.order": "\(name)", "ferry.file": "\(input.name)"])
                    guard settings.markInMagento, let increment = order.customerOrderNumber else { return }
                    if writer == nil {
                        writer = try XMLStreamWriter(
                            url: try context.createOutput("out", name: "\(input.baseName)-failed-updates.xml").url)
                        try writer?.startElement("ArrayOfOrderInfo")
                    }
                    let comment = settings.commentTemplate
                        .replacingOccurrences(of: "{Reason}", with: order.reason)
                        .replacingOccurrences(of: "{CustomerOrderNumber}", with: increment)
                    try writer?.write(MagentoOrderUpdate(incrementId: increment, comment: comment).element)
                }
                try writer?.endElement()
                try writer?.finish()
                return (failed, refused)
            }
        } catch let error as XMLError {
            throw TaskError.badInput("\(input.name): \(error)")
        }
        context.count("orders.sage-failed", by: failed)
        // Refused orders leave the ledger with this file's commit, so they are not blocked as duplicates when
        // they are sent again after the cause is fixed.
        let ledger = self.ledger
        let orders = refused
        context.onCommit { db in
            for (id, increment) in orders { try ledger.forgetRefused(db, externalId: id, externalRef: increment) }
        }
    }
}

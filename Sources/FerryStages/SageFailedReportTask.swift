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

        static let keys: Set<String> = ["markInMagento", "commentTemplate"]

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            markInMagento = try c.decodeIfPresent(Bool.self, forKey: .markInMagento) ?? markInMagento
            commentTemplate = try c.decodeIfPresent(String.self, forKey: .commentTemplate) ?? commentTemplate
        }

        enum CodingKeys: String, CodingKey { case markInMagento, commentTemplate }
    }

    static let kind = TaskKind(name: "sage-failed-report", settingsKeys: Settings.keys) { settings, _ in
        SageFailedReportTask(settings: try settings.decode(Settings.self))
    }

    let settings: Settings

    func run(_ context: TaskContext) async throws {
        guard let input = context.input else {
            throw TaskError.badInput("\(Self.kind.name) needs an input file: give the stage a \"watch\" folder")
        }
        let settings = self.settings
        let failed: Int
        do {
            failed = try await offload {
                var writer: XMLStreamWriter?
                var failed = 0
                try FailFileReader.forEachFailure(in: input.url) { order in
                    failed += 1
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
                return failed
            }
        } catch let error as XMLError {
            throw TaskError.badInput("\(input.name): \(error)")
        }
        context.count("orders.sage-failed", by: failed)
    }
}

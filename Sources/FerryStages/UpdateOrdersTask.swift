import FerryPipeline
import FerryXML
import Foundation
import MagentoConnector

/// `magento.update-orders`: posts a comment (and status) to each order of an `ArrayOfOrderInfo` file, exactly once.
struct UpdateOrdersTask: FileTask {
    static let kind = TaskKind.file(
        name: "magento.update-orders",
        settingsKeys: MagentoConnectionSettings.keys.union([
            "notifyStage", "notifyCustomer", "visibleOnFront", "defaultComment", "preventReprocessing",
            "customStatuses", "statusNotAllowed",
        ]),
        migrations: MagentoState.migrations
    ) { settings, environment in
        UpdateOrdersTask(updater: try settings.magentoJob(environment))
    }

    let updater: OrderUpdater

    func run(_ input: TaskInput, context: TaskContext) async throws {
        let reader = try XMLRecordReader(url: input.url)
        var records: [XMLNode] = []
        try reader.forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { records.append($0) }
        var requests: [OrderUpdateRequest] = []
        var failures: [XMLNode] = []
        var indexed: [(XMLNode, Int)] = []
        for record in records {
            guard let id = record.string("increment_id")?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty
            else {
                failures.append(failRecord(record, reason: "record at line \(record.line) has no increment_id"))
                continue
            }
            indexed.append((record, requests.count))
            requests.append(OrderUpdateRequest(incrementID: id, comment: record.string("comment")))
        }
        let outcomes = try await updater.update(requests) { done, total in context.progress("orders", done: done, total: total) }
        var successes: [XMLNode] = []
        for (record, index) in indexed {
            switch outcomes[index] {
            case .failed(let reason):
                failures.append(failRecord(record, reason: reason))
            case .posted:
                context.count("orders.updated")
                successes.append(record)
            case .alreadyPosted, .skippedAlreadyInStatus:
                context.count("orders.skipped")
                successes.append(record)
            }
        }
        context.count("orders.failed", by: failures.count)
        try writeRecords(successes, root: "ArrayOfOrderInfo", output: "success", name: input.name, context: context)
        try writeRecords(failures, root: "ArrayOfOrderInfo", output: "fail", name: input.name, context: context)
    }
}

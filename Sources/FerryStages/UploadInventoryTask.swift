import FerryPipeline
import FerryValues
import FerryXML
import Foundation
import MagentoConnector

/// `magento.upload-inventory`: sends changed stock levels of an `ArrayOfInventory` file, legacy or MSI.
struct UploadInventoryTask: FileTask {
    static let kind = TaskKind.file(
        name: "magento.upload-inventory",
        settingsKeys: MagentoConnectionSettings.keys.union(["mode", "sourceCode", "chunkSize", "concurrency", "sendAll"]),
        migrations: MagentoState.migrations
    ) { settings, environment in
        UploadInventoryTask(uploader: try settings.magentoJob(environment))
    }

    let uploader: InventoryUploader

    func run(_ input: TaskInput, context: TaskContext) async throws {
        let reader = try XMLRecordReader(url: input.url)
        var parsed: [(XMLNode, InventoryRecord?)] = []
        try reader.forEachRecord(path: ["ArrayOfInventory", "Inventory"]) { record in
            let sku = record.string("sku")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let qtyText = record.string("qty")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !sku.isEmpty, let qty = Decimal(string: qtyText, locale: Locale(identifier: "en_US_POSIX")) else {
                parsed.append((record, nil))
                return
            }
            let flag = record.string("is_in_stock")?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            let inStock = flag.map { $0 == "1" || $0 == "true" } ?? (qty > 0)
            parsed.append((record, InventoryRecord(sku: sku, qty: qty, isInStock: inStock)))
        }
        let records = parsed.compactMap(\.1)
        let outcomes = try await uploader.upload(records) { done, total in
            context.progress("SKUs", done: done, total: total)
        }
        var failures: [XMLNode] = []
        var next = 0
        for (record, parsedRecord) in parsed {
            guard parsedRecord != nil else {
                failures.append(
                    failRecord(record, reason: "record at line \(record.line): needs a <sku> and a numeric <qty>"))
                continue
            }
            switch outcomes[next] {
            case .uploaded: context.count("skus.uploaded")
            case .unchanged: context.count("skus.unchanged")
            case .unknownSKU(let reason):
                context.count("skus.unknown")
                failures.append(failRecord(record, reason: reason))
            case .failed(let reason):
                context.count("skus.failed")
                failures.append(failRecord(record, reason: reason))
            }
            next += 1
        }
        try writeRecords(failures, root: "ArrayOfInventory", output: "fail", name: input.name, context: context)
    }
}

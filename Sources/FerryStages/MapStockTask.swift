import FerryPipeline
import FerryXML
import Foundation
import Logging
import SageSide

/// `sage-products-to-magento-inventory`: Sage stock export -> Magento inventory. Output: `out`.
struct MapStockTask: FileTask {
    static let kind = TaskKind.file(name: "sage-products-to-magento-inventory", settingsKeys: StockMappingSettings.keys) {
        settings, _ in
        MapStockTask(settings: try decodeMappingSettings(settings, StockMappingSettings.self))
    }

    let settings: StockMappingSettings

    func run(_ input: TaskInput, context: TaskContext) async throws {
        do {
            let mapper = StockFileMapper(settings: settings, logger: context.logger)
            let result = try await offload {
                try mapper.map(
                    input: input.url,
                    output: { try context.createOutput("out", name: "\(input.baseName)-inventory.xml").url })
            }
            context.count("skus.mapped", by: result.written)
            context.count("skus.left-out", by: result.leftOut)
            context.count("skus.unreadable", by: result.unreadable)
        } catch let error as XMLError {
            throw TaskError.badInput("\(input.name): \(error)")
        }
    }
}

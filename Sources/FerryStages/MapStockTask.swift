import FerryPipeline
import FerryXML
import Foundation
import Logging
import SageSide

/// `sage-products-to-magento-inventory`: Sage stock export -> Magento inventory. Output: `out`.
struct MapStockTask: StageTask {
    static let kind = TaskKind(name: "sage-products-to-magento-inventory", settingsKeys: StockMappingSettings.keys) {
        settings, _ in
        MapStockTask(settings: try decodeMappingSettings(settings, StockMappingSettings.self))
    }

    let settings: StockMappingSettings

    func run(_ context: TaskContext) async throws {
        guard let input = context.input else {
            throw TaskError.badInput("\(Self.kind.name) needs an input file: give the stage a \"watch\" folder")
        }
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

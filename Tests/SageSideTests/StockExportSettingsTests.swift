import FerryPipeline
import FerryStages
import FerryTestSupport
import FerryXML
import Foundation
import GRDB
@testable import SageSimulator
import SageSide
import Testing

/// The seed's four "Export Stock Records" settings in the simulator: Export All / modified since (a watermark
/// that survives restarts and failed writes), Export Published, Export Attachments with its search pattern.
@Suite("The simulator's stock export settings")
struct StockExportSettingsTests {
    func simulator(_ dir: URL, _ export: StockExportSettings = StockExportSettings()) throws -> SageSimulator {
        try SimulatorTests().simulator(dir) { settings in
            let folder = settings.stockExport.attachmentsFolder
            settings.stockExport = export
            settings.stockExport.attachmentsFolder = export.attachmentsFolder ?? folder
        }
    }

    func skus(_ file: URL?) throws -> [String] {
        guard let file else { return [] }
        return try records(file, ["Company", "Products", "Product"]).map { $0.string("Sku") ?? "" }
    }

    @Test func exportAllSendsEveryProductEachTime() async throws {
        try await withTemporaryDirectory { dir in
            var export = StockExportSettings()
            export.exportAll = true
            let sim = try simulator(dir, export)
            let all = DemoCatalogue.products().count
            #expect(try skus(try await sim.exportStock()).count == all)
            #expect(try skus(try await sim.exportStock()).count == all)
        }
    }

    @Test func modifiedSinceSendsOnlyChangesAndSurvivesARestart() async throws {
        try await withTemporaryDirectory { dir in
            // The first export has no watermark: everything goes.
            #expect(try skus(try await simulator(dir).exportStock()).count == DemoCatalogue.products().count)
            try simulator(dir).setStock(sku: "LAMP001", quantity: 7)
            // A new simulator on the same company (a restarted job) keeps the watermark.
            let restarted = try simulator(dir)
            #expect(try skus(try await restarted.exportStock()) == ["LAMP001"])
            #expect(try await restarted.exportStock() == nil)
        }
    }

    @Test func aFailedExportKeepsItsChangesForTheNextOne() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try simulator(dir)
            _ = try await sim.exportStock()
            try sim.setStock(sku: "LAMP001", quantity: 3)
            // The stock folder is gone and a file stands in its place: the export cannot be written.
            let folder = sim.settings.stockFolder
            try FileManager.default.removeItem(at: folder)
            #expect(FileManager.default.createFile(atPath: folder.path, contents: Data("in the way".utf8)))
            await #expect(throws: (any Error).self) { try await sim.exportStock() }
            try FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            #expect(try skus(try await sim.exportStock()) == ["LAMP001"])
        }
    }

    @Test func exportPublishedLeavesUnpublishedProductsOut() async throws {
        try await withTemporaryDirectory { dir in
            var export = StockExportSettings()
            export.exportAll = true
            let everything = try simulator(dir, export)
            try await everything.company.queue.write { db in
                try db.execute(sql: "UPDATE products SET publish = 0 WHERE sku = 'LAMP001'")
            }
            #expect(try skus(try await everything.exportStock()).contains("LAMP001"))
            export.exportPublished = true
            let published = try skus(try await simulator(dir, export).exportStock())
            #expect(!published.contains("LAMP001"))
            let unpublished = try await everything.company.queue.read { db in
                try String.fetchAll(db, sql: "SELECT sku FROM products WHERE publish = 0 ORDER BY sku")
            }
            #expect(published.count == DemoCatalogue.products().count - unpublished.count)
        }
    }

    @Test func attachmentsMatchingThePatternAreEmbeddedInTheirProduct() async throws {
        try await withTemporaryDirectory { dir in
            var export = StockExportSettings()
            export.exportAll = true
            export.exportAttachments = true
            export.attachmentSearchPattern = AttachmentPattern("*.PDF")
            let sim = try simulator(dir, export)
            let folder = dir.appendingPathComponent("sage-attachments/DESK001")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // Larger than one chunk and not a multiple of 3: the chunks' base64 must join up.
            let spec = Data((0..<(SageSimulator.attachmentChunk * 2 + 1)).map { UInt8(truncatingIfNeeded: $0 * 7) })
            try spec.write(to: folder.appendingPathComponent("spec.PDF"))
            try Data("photo".utf8).write(to: folder.appendingPathComponent("photo.pdf"))
            try Data("not a pdf".utf8).write(to: folder.appendingPathComponent("notes.txt"))

            let file = try #require(try await sim.exportStock())
            let products = try records(file, ["Company", "Products", "Product"])
            let desk = try #require(products.first { $0.string("Sku") == "DESK001" })
            let attachments = try #require(desk.children.first { $0.name == "Attachments" }).children
            #expect(attachments.map { $0.string("Name") } == ["photo.pdf", "spec.PDF"])
            #expect(Data(base64Encoded: attachments[1].string("File") ?? "") == spec)
            // Where Zynk puts it: just before DateModified; the other products carry an empty list.
            let names = desk.children.map(\.name)
            #expect(names.firstIndex(of: "Attachments").map { $0 + 1 } == names.firstIndex(of: "DateModified"))
            #expect(products.filter { $0.string("Sku") != "DESK001" }.allSatisfy {
                $0.children.first { $0.name == "Attachments" }?.children.isEmpty == true
            })
            // map-stock reads the export as before.
            let inventory = dir.appendingPathComponent("inventory.xml")
            let mapped = try StockFileMapper(settings: StockMappingSettings(), logger: quietLogger).map(
                input: file, output: { inventory })
            #expect(mapped.unreadable == 0)
            #expect(try records(inventory, ["ArrayOfInventory", "Inventory"]).contains { $0.string("sku") == "DESK001" })
        }
    }

    @Test(arguments: [
        ("*.PDF", "spec.pdf", true), ("*.pdf", "SPEC.PDF", true), ("*.PDF", "spec.pdf.txt", false),
        ("*", "anything.at.all", true), ("", "spec.pdf", false), ("s*", "spec.pdf", true), ("*t", "a.txt", true),
        ("*.xls", "book.xlsx", true), ("*.ai", "file.aif", false), ("*.ai", "file.ai", true),
        ("file?.txt", "file1.txt", true), ("file?.txt", "file.txt", true), ("file?.txt", "file12.txt", false),
        ("file?.txt", "file1.txtother", false), ("file*.txt", "file1.txt", true), ("manual-*.pdf", "Manual-EN.pdf", true),
        ("??.pdf", "a.pdf", true), ("a?c", "a.c", false),
    ])
    func searchPatternsMatchAsWindowsDoes(pattern: String, name: String, expected: Bool) {
        #expect(AttachmentPattern(pattern).matches(name) == expected, "\(pattern) ~ \(name)")
    }

    func config(_ dir: URL, sageSim: String) throws -> FerryConfig {
        let file = dir.appendingPathComponent("config.json")
        try Data(
            """
            {"stages": [{"name": "map-stock", "watch": "in", "task": "sage-products-to-magento-inventory",
              "outputs": {"out": "out"}}], "sageSim": \(sageSim)}
            """.utf8
        ).write(to: file)
        return try ConfigLoader.load(file: file, registry: BuiltinTasks.registry, checkFolders: false).0
    }

    @Test func theSageSimSectionSetsTheExport() async throws {
        try await withTemporaryDirectory { dir in
            let loaded = try config(
                dir,
                sageSim: """
                    {"exportAll": true, "exportPublished": true, "exportAttachments": true,
                     "attachmentSearchPattern": "*.PDF", "attachmentsFolder": "/srv/sage/attachments"}
                    """)
            var settings = SageSimulatorSettings(root: dir, databasePath: "")
            #expect(settings.apply(config: loaded).isEmpty)
            let export = settings.stockExport
            #expect(export.exportAll && export.exportPublished && export.exportAttachments)
            #expect(export.attachmentSearchPattern.text == "*.PDF")
            #expect(export.attachmentsFolder?.path == "/srv/sage/attachments")
            // Without the section: the seed's settings, attachments under the root.
            var defaults = SageSimulatorSettings(root: dir, databasePath: "")
            #expect(defaults.apply(config: try config(dir, sageSim: "{}")).isEmpty)
            #expect(defaults.stockExport.attachmentsFolder?.lastPathComponent == "sage-attachments")
            #expect(!defaults.stockExport.exportAll && !defaults.stockExport.exportAttachments)
        }
    }

    @Test func badSageSimSettingsAreNamed() async throws {
        try await withTemporaryDirectory { dir in
            let loaded = try config(dir, sageSim: #"{"exportAttachment": true, "exportAll": "yes", "exportAttachments": true}"#)
            let problems = SageSimulatorSettings.problems(in: loaded).map(\.path)
            #expect(problems == ["sageSim.exportAttachment", "sageSim.exportAll", "sageSim.attachmentSearchPattern"])
        }
    }
}

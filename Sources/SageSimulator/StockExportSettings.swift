public import FerryPipeline
import FerryValues
public import Foundation

/// Sage 50's "Export Stock Records" settings, as the seed's workflow names them (Zynk's ExportAll,
/// ExportPublished, ExportAttachments, AttachmentSearchPattern); the defaults are the seed's.
public struct StockExportSettings: Sendable, Hashable {
    /// Every product each time (true), or those modified since the last export (false).
    public var exportAll = false
    /// Only products marked "Publish to Web" (true), or every product whatever the flag (false).
    public var exportPublished = false
    /// Embed each product's attachments (base64) in its record: "very large XML output files".
    public var exportAttachments = false
    /// Which attachment files go in (Zynk: "File search pattern for attachment export e.g. *.PDF").
    public var attachmentSearchPattern = AttachmentPattern("")
    /// Where the company's attachments are: `<folder>/<stock code>/<file>` (a `/` in the code as `_`).
    public var attachmentsFolder: URL?

    /// The seed's settings: changes only, every product, no attachments.
    public init() {}

    /// Every key of config.json's `sageSim` section; docs/configuration.md documents exactly these.
    public static let keys: Set<String> = [
        "exportAll", "exportPublished", "exportAttachments", "attachmentSearchPattern", "attachmentsFolder", "$comment",
    ]
}

extension SageSimulatorSettings {
    /// Reads config.json's `sageSim` section (absent: the seed's settings) into ``stockExport``.
    ///
    /// - Returns: every problem, with its JSON path and the fix (unknown keys, wrong types, attachments asked for
    ///   with no pattern).
    public mutating func apply(config: FerryConfig) -> [ConfigProblem] {
        var reader = ConfigReader()
        guard let object = reader.section(config.sections["sageSim"], at: "sageSim") else { return reader.problems }
        reader.rejectUnknown(object, allowed: StockExportSettings.keys, at: "sageSim")
        stockExport.exportAll = reader.bool(object, "exportAll", at: "sageSim") ?? stockExport.exportAll
        stockExport.exportPublished = reader.bool(object, "exportPublished", at: "sageSim") ?? stockExport.exportPublished
        stockExport.exportAttachments =
            reader.bool(object, "exportAttachments", at: "sageSim") ?? stockExport.exportAttachments
        if let pattern = reader.string(object, "attachmentSearchPattern", at: "sageSim") {
            stockExport.attachmentSearchPattern = AttachmentPattern(pattern)
        }
        if let folder = reader.nonEmptyString(object, "attachmentsFolder", at: "sageSim") {
            stockExport.attachmentsFolder = URL(fileURLWithPath: folder, relativeTo: config.root).standardizedFileURL
        }
        if stockExport.exportAttachments, stockExport.attachmentSearchPattern.text.isEmpty {
            reader.problem(
                "sageSim.attachmentSearchPattern",
                "is empty while exportAttachments is true, so no attachment would match: give a pattern such as \"*.PDF\", or \"*\" for every file")
        }
        return reader.problems
    }

    /// The problems of config.json's `sageSim` section, for `ferry check-config`.
    public static func problems(in config: FerryConfig) -> [ConfigProblem] {
        var settings = SageSimulatorSettings(root: config.root, databasePath: "")
        return settings.apply(config: config)
    }
}

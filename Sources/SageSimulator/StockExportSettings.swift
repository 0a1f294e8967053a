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
        guard let section = config.sections["sageSim"] else { return [] }
        guard case .object(let object) = section else {
            return [ConfigProblem("sageSim", "must be an object, not \(section.typeName)")]
        }
        var problems: [ConfigProblem] = []
        for key in object.keys.sorted() where !StockExportSettings.keys.contains(key) {
            problems.append(
                ConfigProblem(
                    "sageSim.\(key)",
                    "unknown key: remove it, or use one of \(StockExportSettings.keys.subtracting(["$comment"]).sorted().joined(separator: ", "))"))
        }
        /// The key's value when it has the JSON type asked for; otherwise a problem naming the key.
        func read<T>(_ key: String, as expected: String, _ cast: (JSONValue) -> T?) -> T? {
            guard let value = object[key] else { return nil }
            if let typed = cast(value) { return typed }
            problems.append(ConfigProblem("sageSim.\(key)", "must be \(expected), not \(value.typeName)"))
            return nil
        }
        func flag(_ key: String) -> Bool? {
            read(key, as: "true or false") { value in
                if case .bool(let flag) = value { return flag }
                return nil
            }
        }
        func text(_ key: String) -> String? {
            read(key, as: "a string") { value in
                if case .string(let text) = value { return text }
                return nil
            }
        }
        stockExport.exportAll = flag("exportAll") ?? stockExport.exportAll
        stockExport.exportPublished = flag("exportPublished") ?? stockExport.exportPublished
        stockExport.exportAttachments = flag("exportAttachments") ?? stockExport.exportAttachments
        if let pattern = text("attachmentSearchPattern") { stockExport.attachmentSearchPattern = AttachmentPattern(pattern) }
        if let folder = text("attachmentsFolder") {
            if folder.isEmpty {
                problems.append(ConfigProblem("sageSim.attachmentsFolder", "is empty: give a folder or remove the key"))
            } else {
                stockExport.attachmentsFolder = URL(fileURLWithPath: folder, relativeTo: config.root).standardizedFileURL
            }
        }
        if stockExport.exportAttachments, stockExport.attachmentSearchPattern.text.isEmpty {
            problems.append(
                ConfigProblem(
                    "sageSim.attachmentSearchPattern",
                    "is empty while exportAttachments is true, so no attachment would match: give a pattern such as \"*.PDF\", or \"*\" for every file"))
        }
        return problems
    }

    /// The problems of config.json's `sageSim` section, for `ferry check-config`.
    public static func problems(in config: FerryConfig) -> [ConfigProblem] {
        var settings = SageSimulatorSettings(root: config.root, databasePath: "")
        return settings.apply(config: config)
    }
}

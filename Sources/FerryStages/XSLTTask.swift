import FerryPipeline
import FerryXML
import Foundation

/// `xslt`: the generic Auto Mapper. Applies an XSLT 1.0 stylesheet to each input file.
///
/// ```json
/// { "name": "map-orders", "watch": "inbox/magento-orders", "task": "xslt",
///   "settings": { "stylesheet": "mappings/magento-orders-to-sage-orders.xsl",
///                 "parameters": { "AccountReference": "WEBSALES" } },
///   "outputs": { "out": "outbox/sage-orders" } }
/// ```
struct XSLTTask: FileTask {
    struct Settings: Decodable {
        /// The stylesheet, relative to the root.
        var stylesheet: String
        /// String parameters passed to the stylesheet (`<xsl:param>`).
        var parameters: [String: String]?
        /// The output file's name: `{name}` is the input's name, `{base}` the name without extension.
        var outputName: String?
    }

    static let kind = TaskKind.file(name: "xslt", settingsKeys: ["stylesheet", "parameters", "outputName"]) { settings, environment in
        let decoded = try settings.decode(Settings.self)
        let url = environment.resolve(decoded.stylesheet)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TaskSettingsError(settingsPath: settings.path, key: "stylesheet", message: "\(url.path) does not exist: check the path (relative to the root folder)")
        }
        let transformer = XSLTTransformer(stylesheet: url)
        // A broken stylesheet is a configuration error, reported at start-up rather than on the first file.
        do { try transformer.validate() } catch {
            throw TaskSettingsError(settingsPath: settings.path, key: "stylesheet", message: "\(error)")
        }
        return XSLTTask(transformer: transformer, parameters: decoded.parameters ?? [:], outputName: decoded.outputName ?? "{name}")
    }

    let transformer: XSLTTransformer
    let parameters: [String: String]
    let outputName: String

    func run(_ input: TaskInput, context: TaskContext) async throws {
        let name = outputName.replacingOccurrences(of: "{name}", with: input.name)
            .replacingOccurrences(of: "{base}", with: input.baseName)
        let output = try context.createOutput("out", name: name)
        try await offload { [transformer, parameters] in
            try transformer.transform(input: input.url, output: output.url, parameters: parameters)
        }
        context.count("files.mapped")
    }
}

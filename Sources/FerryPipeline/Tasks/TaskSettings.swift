public import Foundation

/// A stage's `settings` object from config.json, decoded by the task into its own settings type.
public struct TaskSettings: Sendable {
    /// The raw JSON of the settings object (`{}` when absent).
    public let json: Data
    /// Where the settings sit in config.json, for messages: `stages[2].settings`.
    public let path: String

    /// Creates settings from raw JSON.
    public init(json: Data, path: String) {
        self.json = json
        self.path = path
    }

    /// Decodes the settings into `type`, turning a decoding error into a ``TaskSettingsError`` that names
    /// the JSON path of the key.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: json)
        } catch let error as DecodingError {
            throw TaskSettingsError(path: path, decodingError: error)
        }
    }
}

/// A stage's settings are wrong: names the JSON path and what to do.
public struct TaskSettingsError: Error, CustomStringConvertible, Sendable {
    /// The JSON path, e.g. `stages[2].settings.pageSize`.
    public let path: String
    /// What is wrong and how to fix it.
    public let message: String

    /// Creates an error for `key` under the settings at `settingsPath`.
    public init(settingsPath: String, key: String, message: String) {
        self.path = "\(settingsPath).\(key)"
        self.message = message
    }

    init(path: String, decodingError: DecodingError) {
        let (codingPath, text): ([any CodingKey], String) =
            switch decodingError {
            case .keyNotFound(let key, let context):
                (context.codingPath + [key], "is required but missing")
            case .typeMismatch(let type, let context):
                (context.codingPath, "should be \(type): \(context.debugDescription)")
            case .valueNotFound(let type, let context):
                (context.codingPath, "should be \(type), found null")
            case .dataCorrupted(let context):
                (context.codingPath, context.debugDescription)
            @unknown default:
                ([], "\(decodingError)")
            }
        self.path = ([path] + codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }).joined()
            .replacingOccurrences(of: ".[", with: "[")
        self.message = text
    }

    public var description: String { "\(path): \(message)" }
}

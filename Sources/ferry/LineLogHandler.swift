import FerryPipeline
import Foundation
import Logging

/// One line per record on stderr, `level message key=value ...`, which journald shows well; secrets masked.
/// A timestamp is added only when not under journald (which stamps lines itself).
struct LineLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    private let label: String
    private let stamped: Bool

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
        stamped = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] == nil
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = stamped ? ISO8601DateFormatter().string(from: Date()) + " " : ""
        line += "\(event.level) \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            let text = "\(value)"
            line += text.contains(" ") || text.isEmpty ? " \(key)=\"\(text)\"" : " \(key)=\(text)"
        }
        let scrubbed = Redaction.scrub(line).replacingOccurrences(of: "\n", with: " ") + "\n"
        FileHandle.standardError.write(Data(scrubbed.utf8))
    }
}

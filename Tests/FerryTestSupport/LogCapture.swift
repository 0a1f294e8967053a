public import Logging
import Synchronization

/// Keeps every log record, one line each (`level message key=value ...`, keys sorted), so a test can check what
/// was logged, and that no secret is among it.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    private let level: Logger.Level

    /// - Parameter level: the lowest level kept.
    public init(level: Logger.Level = .trace) { self.level = level }

    /// A logger whose records go here.
    public var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self, logLevel: self.level) }
    }

    /// Every line so far, joined by newlines.
    public var text: String { lines.withLock { $0.joined(separator: "\n") } }

    /// How many lines so far contain `text`.
    public func count(containing text: String) -> Int {
        lines.withLock { $0.filter { $0.contains(text) }.count }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level

        init(capture: LogCapture, logLevel: Logger.Level) {
            self.capture = capture
            self.logLevel = logLevel
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let pairs = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let line = (["\(event.level)", event.message.description] + pairs).joined(separator: " ")
            capture.lines.withLock { $0.append(line) }
        }
    }
}

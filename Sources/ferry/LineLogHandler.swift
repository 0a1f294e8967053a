import FerryPipeline
import FerryValues
import Foundation
import Logging

/// One logfmt line per record on stderr, `level=info msg=processed ferry.stage=map-orders ...`; secrets masked.
///
/// Under journald (stderr is the stream `JOURNAL_STREAM` names, as systemd documents) each line starts with the
/// `<N>` syslog priority, so `journalctl -p warning` filters by level, and carries no time stamp (journald stamps
/// lines itself); elsewhere a line starts with `time=`.
struct LineLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    private let label: String
    private let journald: Bool

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
        journald = Self.stderrIsJournal(ProcessInfo.processInfo.environment["JOURNAL_STREAM"])
    }

    /// True when `JOURNAL_STREAM` (`<device>:<inode>`) is stderr's own: a child whose stderr was redirected
    /// elsewhere inherits the variable but must not prefix its lines.
    static func stderrIsJournal(_ stream: String?) -> Bool {
        guard let parts = stream?.split(separator: ":"), parts.count == 2,
              let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The syslog priority (sd-daemon.h `SD_DEBUG` ... `SD_CRIT`) of a level.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = []
        if !journald { fields.append(("time", ISO8601DateFormatter().string(from: Date()))) }
        fields.append(("level", "\(event.level)"))
        fields.append(("msg", "\(event.message)"))
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { fields.append((key, Self.text(value))) }
        // Masked before quoting: a secret is replaced whole, whatever characters it holds.
        let line = fields.map { "\($0.0)=\(Self.quoted(Redaction.scrub($0.1)))" }.joined(separator: " ")
        let prefix = journald ? "<\(Self.priority(event.level))>" : ""
        FileHandle.standardError.write(Data((prefix + line + "\n").utf8))
    }

    /// A metadata value as plain text: a list as `a,b`, a dictionary as `k:v,k:v` (sorted).
    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value as Duration): seconds(value)
        case .stringConvertible(let value): value.description
        case .array(let values): values.map(text).joined(separator: ",")
        case .dictionary(let values): values.sorted { $0.key < $1.key }.map { "\($0.key):\(text($0.value))" }.joined(separator: ",")
        }
    }

    /// A duration as `1.25s` (two decimals at most), not Swift's `1.25 seconds`.
    static func seconds(_ duration: Duration) -> String {
        let (whole, fraction) = duration.components
        var text = String(format: "%.2f", Double(whole) + Double(fraction) / 1e18)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "s"
    }

    /// `value` as a logfmt value: bare when it is non-empty and holds no space, `=`, `"`, `\` or control
    /// character; otherwise in double quotes with `\"`, `\\`, `\n`, `\r`, `\t` and `\u{...}` escapes (one line, always).
    static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { $0 == " " || $0 == "=" || LineEscaping.logfmt.escapes($0) }
        return needsQuotes ? "\"" + LineEscaping.logfmt.escaped(value) + "\"" : value
    }
}

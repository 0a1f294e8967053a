public import FerryPipeline
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Shows long work on a terminal: one line per busy stage, at most every second, e.g.
/// `ferry: map-orders 1,200 done, 3,400 waiting, 2 failed`.
///
/// Quiet when stderr is not a terminal (journald, a pipe, a file), so service logs hold only log records. It
/// prints whole lines rather than redrawing one with `\r`, because log records share the terminal.
public final class ProgressObserver: PipelineObserver {
    private struct StageProgress {
        var done = 0
        var failed = 0
        var waiting = 0
        var claimed = 0
        /// The last line shown, so an unchanged stage is not repeated.
        var shown: String?
    }

    private struct State {
        var stages: [String: StageProgress] = [:]
        var lastShown: ContinuousClock.Instant?
        var lastTaskLine: [String: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())
    private let output: @Sendable (String) -> Void
    private let interval: Duration

    /// Creates an observer that writes to stderr, or nil when stderr is not a terminal.
    public static func forTerminal() -> ProgressObserver? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        return ProgressObserver { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Creates an observer that hands each progress line to `output` (tests; another sink).
    /// - Parameters:
    ///   - interval: the least time between two lines.
    ///   - output: receives each line, without a newline.
    public init(interval: Duration = .seconds(1), output: @escaping @Sendable (String) -> Void) {
        self.output = output
        self.interval = interval
    }

    public func fileProcessed(stage: String, file: String, seconds: Double, counters: [String: Int]) {
        change(stage) { $0.done += 1 }
    }

    public func fileQuarantined(stage: String, file: String, reason: String, failedPath: String) {
        change(stage) { $0.failed += 1 }
    }

    public func queueDepth(stage: String, waiting: Int, claimed: Int) {
        change(stage) { progress in
            progress.waiting = waiting
            progress.claimed = claimed
        }
    }

    public func scheduledRunFinished(stage: String, counters: [String: Int], seconds: Double, error: String?) {
        let figures = counters.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.grouped($0.value))" }
        guard !figures.isEmpty || error != nil else { return }
        output("ferry: \(stage) " + (error == nil ? figures.joined(separator: ", ") : "failed (see the log)"))
    }

    /// `ferry: upload-inventory 12,000/100,000 SKUs`, at most once a second per stage, and at the end.
    public func taskProgress(stage: String, what: String, done: Int, total: Int?) {
        let finished = total.map { done >= $0 } ?? false
        let show = state.withLock { state -> Bool in
            let now = ContinuousClock.now
            if !finished, let last = state.lastTaskLine[stage], now - last < interval { return false }
            state.lastTaskLine[stage] = finished ? nil : now
            return true
        }
        guard show, done > 0 || total == 0 else { return }
        output("ferry: \(stage) \(Self.grouped(done))" + (total.map { "/\(Self.grouped($0))" } ?? "") + " \(what)")
    }

    /// The final line of a drain for each stage that was shown busy: where it ended.
    public func flush() async {
        let lines = state.withLock { state in
            state.stages.sorted { $0.key < $1.key }.compactMap { name, progress -> String? in
                let line = Self.line(name, progress)
                guard progress.shown != nil, line != progress.shown else { return nil }
                state.stages[name]?.shown = line
                return line
            }
        }
        lines.forEach(output)
    }

    private func change(_ stage: String, _ update: (inout StageProgress) -> Void) {
        let lines: [String] = state.withLock { state in
            update(&state.stages[stage, default: StageProgress()])
            let now = ContinuousClock.now
            if let last = state.lastShown, now - last < interval { return [] }
            // Only stages with work in hand: an idle stage says nothing, so a quiet system prints nothing.
            var lines: [String] = []
            for (name, progress) in state.stages.sorted(by: { $0.key < $1.key })
            where progress.waiting > 0 || progress.claimed > 0 {
                let line = Self.line(name, progress)
                guard line != progress.shown else { continue }
                state.stages[name]?.shown = line
                lines.append(line)
            }
            if !lines.isEmpty { state.lastShown = now }
            return lines
        }
        lines.forEach(output)
    }

    private static func line(_ stage: String, _ progress: StageProgress) -> String {
        var parts = ["\(grouped(progress.done)) done", "\(grouped(progress.waiting + progress.claimed)) waiting"]
        if progress.failed > 0 { parts.append("\(grouped(progress.failed)) failed") }
        return "ferry: \(stage) " + parts.joined(separator: ", ")
    }

    /// 12,345: long figures are read at a glance.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }
}

public import FerryPipeline
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Shows long work on a terminal in what it moves (orders, SKUs), with the rate and the time left, e.g.
/// `ferry: update-orders 1,200/5,000 orders, 60/s, about 1m 04s left` from inside a task, and per busy stage
/// `ferry: map-orders 3 files done, 1 waiting; 1,200 orders mapped, 40/s`.
///
/// At most one line a second per stage; a stage that falls idle always shows its final line at once, so the last
/// line on the terminal is true (never `1 done, 1 waiting` after the run ended). Quiet when stderr is not a
/// terminal (journald, a pipe, a file), so service logs hold only log records. It prints whole lines rather than
/// redrawing one with `\r`, because log records share the terminal.
public final class ProgressObserver: PipelineObserver {
    private struct StageProgress {
        var done = 0
        var failed = 0
        var waiting = 0
        var claimed = 0
        /// The tasks' counters of the files done (`orders.mapped`, `skus.uploaded`, ...).
        var counters: [String: Int] = [:]
        /// Since when the stage has been busy, and its figures then: the rate is this busy spell's.
        var busySince: ContinuousClock.Instant?
        /// When it fell idle: the rate of a finished spell stays what it was.
        var idleSince: ContinuousClock.Instant?
        var doneThen = 0
        var countersThen: [String: Int] = [:]
        /// The last line shown, so an unchanged stage is not repeated.
        var shown: String?
        var lastShown: ContinuousClock.Instant?

        var isBusy: Bool { waiting > 0 || claimed > 0 }
    }

    /// One task's progress (`orders` of the update inside one file): where it started, for the rate.
    private struct TaskRun {
        var what: String
        var started: ContinuousClock.Instant
        var doneAtStart: Int
        var lastDone: Int
        var lastShown: ContinuousClock.Instant?
    }

    private struct State {
        var stages: [String: StageProgress] = [:]
        var tasks: [String: TaskRun] = [:]
    }

    private let state = Mutex(State())
    private let output: @Sendable (String) -> Void
    private let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant

    /// Creates an observer that writes to stderr, or nil when stderr is not a terminal.
    public static func forTerminal() -> ProgressObserver? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        return ProgressObserver { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Creates an observer that hands each progress line to `output` (tests; another sink).
    /// - Parameters:
    ///   - interval: the least time between two lines of one stage.
    ///   - now: the clock (tests move it by hand, so rates and times left are exact).
    ///   - output: receives each line, without a newline.
    public init(
        interval: Duration = .seconds(1), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        output: @escaping @Sendable (String) -> Void
    ) {
        self.output = output
        self.interval = interval
        self.now = now
    }

    public func fileProcessed(stage: String, file: String, seconds: Double, counters: [String: Int]) {
        change(stage) { progress in
            progress.done += 1
            progress.counters.merge(counters) { $0 + $1 }
        }
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
        let figures = counters.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { Self.figure($0.key, $0.value) }
        guard !figures.isEmpty || error != nil else { return }
        let took = seconds > 0 ? " in \(Self.duration(seconds))" : ""
        output("ferry: \(stage) " + (error == nil ? figures.joined(separator: ", ") + took : "failed (see the log)"))
    }

    /// `ferry: upload-inventory 12,000/100,000 SKUs, 400/s, about 3m 40s left`, at most once a second per stage,
    /// and always the last figure: `ferry: upload-inventory 100,000/100,000 SKUs in 4m 10s, 400/s`.
    public func taskProgress(stage: String, what: String, done: Int, total: Int?) {
        let finished = total.map { done >= $0 } ?? false
        let line = state.withLock { state -> String? in
            let now = self.now()
            // A new task run when the figure goes back or the unit changes (the next file's update).
            if var run = state.tasks[stage], run.what == what, done >= run.lastDone {
                run.lastDone = done
                state.tasks[stage] = run
            } else {
                state.tasks[stage] = TaskRun(what: what, started: now, doneAtStart: done, lastDone: done)
            }
            guard var run = state.tasks[stage], done > 0 || total == 0 else { return nil }
            if !finished, let last = run.lastShown, now - last < interval { return nil }
            run.lastShown = now
            state.tasks[stage] = finished ? nil : run
            let elapsed = (now - run.started).seconds
            let rate = elapsed > 0 && done > run.doneAtStart ? Double(done - run.doneAtStart) / elapsed : nil
            var parts = ["\(Self.grouped(done))" + (total.map { "/\(Self.grouped($0))" } ?? "") + " \(what)" + (finished && elapsed > 0 ? " in \(Self.duration(elapsed))" : "")]
            if let rate { parts.append(Self.rate(rate)) }
            if !finished, let rate, let total, total > done { parts.append("about \(Self.duration(Double(total - done) / rate)) left") }
            return "ferry: \(stage) " + parts.joined(separator: ", ")
        }
        line.map(output)
    }

    /// The final line of each stage shown busy, where it ended (the end of `ferry run`).
    public func flush() async {
        let lines = state.withLock { state in
            state.stages.keys.sorted().compactMap { name -> String? in
                guard let progress = state.stages[name], progress.shown != nil else { return nil }
                let text = stageLine(name, progress, at: now())
                guard text != progress.shown else { return nil }
                state.stages[name]?.shown = text
                return text
            }
        }
        lines.forEach(output)
    }

    private func change(_ stage: String, _ update: (inout StageProgress) -> Void) {
        let line: String? = state.withLock { state in
            var progress = state.stages[stage, default: StageProgress()]
            let wasBusy = progress.isBusy
            update(&progress)
            let now = self.now()
            if progress.isBusy, !wasBusy || progress.busySince == nil {
                progress.busySince = now
                progress.idleSince = nil
                progress.doneThen = progress.done
                progress.countersThen = progress.counters
            } else if wasBusy, !progress.isBusy {
                progress.idleSince = now
            }
            defer { state.stages[stage] = progress }
            // Only a stage with work in hand speaks, and one that just fell idle says where it ended, at once.
            let fellIdle = wasBusy && !progress.isBusy && progress.shown != nil
            guard progress.isBusy || fellIdle else { return nil }
            if !fellIdle, let last = progress.lastShown, now - last < interval { return nil }
            let text = stageLine(stage, progress, at: now)
            guard text != progress.shown else { return nil }
            progress.shown = text
            progress.lastShown = now
            return text
        }
        line.map(output)
    }

    /// `ferry: map-orders 3 files done, 1 waiting, 1 failed; 1,200 orders mapped, 40/s, about 2s left`.
    private func stageLine(_ stage: String, _ progress: StageProgress, at now: ContinuousClock.Instant) -> String {
        var parts = ["\(Self.grouped(progress.done)) file\(progress.done == 1 ? "" : "s") done", "\(Self.grouped(progress.waiting + progress.claimed)) waiting"]
        if progress.failed > 0 { parts.append("\(Self.grouped(progress.failed)) failed") }
        var figures = progress.counters.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { Self.figure($0.key, $0.value) }
        let elapsed = progress.busySince.map { ((progress.idleSince ?? now) - $0).seconds } ?? 0
        let filesThisSpell = progress.done - progress.doneThen
        if elapsed > 0, filesThisSpell > 0 {
            // The rate of the main figure (the first counter that moved), else of files.
            let moved = progress.counters.sorted { $0.key < $1.key }.first { $0.value > progress.countersThen[$0.key, default: 0] }
            let units = moved.map { $0.value - progress.countersThen[$0.key, default: 0] } ?? filesThisSpell
            figures.append(Self.rate(Double(units) / elapsed) + (moved == nil ? " files" : ""))
            let waiting = progress.waiting + progress.claimed
            if waiting > 0 { figures.append("about \(Self.duration(Double(waiting) * elapsed / Double(filesThisSpell))) left") }
        }
        return "ferry: \(stage) " + parts.joined(separator: ", ") + (figures.isEmpty ? "" : "; " + figures.joined(separator: ", "))
    }

    /// `orders.mapped` 1200 -> `1,200 orders mapped`; `skus.uploaded` -> `SKUs uploaded`.
    static func figure(_ counter: String, _ value: Int) -> String {
        let words = counter.split(separator: ".", maxSplits: 1).map(String.init)
        let noun = words[0] == "skus" ? "SKUs" : words[0]
        return ([grouped(value), noun] + words.dropFirst().map { $0.replacingOccurrences(of: "-", with: " ") }).joined(separator: " ")
    }

    /// `400/s`, `2.5/s`, `12/min` for slow work.
    static func rate(_ perSecond: Double) -> String {
        if perSecond >= 10 { return "\(grouped(Int(perSecond.rounded())))/s" }
        if perSecond >= 1 { return String(format: "%.1f/s", perSecond) }
        return "\(grouped(Int((perSecond * 60).rounded())))/min"
    }

    /// `45s`, `3m 05s`, `1h 02m`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm %02ds", total / 60, total % 60) }
        return String(format: "%dh %02dm", total / 3600, (total % 3600) / 60)
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

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

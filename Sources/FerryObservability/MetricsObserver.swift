import DurableFiles
public import FerryPipeline
public import Foundation
public import Logging
import Synchronization

/// Keeps ferry's figures and writes them as a Prometheus text file for node_exporter's textfile collector.
///
/// The file is written under a temporary name in the same folder, fsynced and renamed over the old one, so the
/// collector never reads half a file. Writes happen at most once per second (and on every ``flush()``), on a
/// background queue, never on the stage runners' threads.
///
/// Per-stage figures continue from the file found at start, and at each write a stage this process has no news of
/// keeps the file's figures: `ferry download` (a timer) and `ferry run` (a path unit) share one file without wiping
/// each other's counters or `last_success`. The Magento request figures are this process's own.
public final class MetricsObserver: PipelineObserver {
    struct Figures {
        var processed: [String: Int] = [:]
        var failed: [String: Int] = [:]
        var processingSeconds: [String: Double] = [:]
        var events: [LabelPair: Int] = [:]
        var lastSuccess: [String: Double] = [:]
        var waiting: [String: Int] = [:]
        var claimed: [String: Int] = [:]
        var transient: [String: Int] = [:]
        var runs: [LabelPair: Int] = [:]
        var magentoBuckets: [String: [Int]] = [:]
        var magentoCount: [String: Int] = [:]
        var magentoSum: [String: Double] = [:]
        var magentoErrors: [String: Int] = [:]
        var magentoRetries: [String: Int] = [:]
        var started = Date().timeIntervalSince1970
        /// Stages this process has news of; the others' figures are taken from the file at each write.
        var touched: Set<String> = []
        /// The config's stages (empty: any).
        var known: Set<String> = []
    }

    struct LabelPair: Hashable, Comparable {
        var stage: String
        var name: String
        static func < (a: Self, b: Self) -> Bool { (a.stage, a.name) < (b.stage, b.name) }
    }

    private struct WriteState {
        var scheduled = false
        var lastWrite: ContinuousClock.Instant?
        var count = 0
    }

    /// The text file written.
    public let file: URL
    private let figures = Mutex(Figures())
    private let writeState = Mutex(WriteState())
    private let queue = DispatchQueue(label: "ferry.metrics")
    private let logger: Logger
    private let requests: MagentoRequestFigures?

    /// Creates an observer writing `file`.
    /// - Parameters:
    ///   - file: the `.prom` file (its folder is created if missing).
    ///   - stages: stage names to show with zeros before anything happens, so dashboards see every stage at once.
    ///   - requests: the Magento request figures (latency, errors, retries) to write beside the stages'; by
    ///     default those of the process's swift-metrics backend when it is ferry's; nil: none.
    ///   - logger: a failed write is logged here.
    public init(file: URL, stages: [String] = [], requests: MagentoRequestFigures? = .bootstrapped, logger: Logger) {
        self.file = file
        self.logger = logger
        self.requests = requests
        let removed = Durable.removeStaleTemporaries(of: file)
        if !removed.isEmpty {
            logger.info("removed metrics temporaries of dead processes", metadata: ["ferry.files": .array(removed.map { .string($0) })])
        }
        let previous = Self.samples(in: file)
        figures.withLock { figures in
            figures.known = Set(stages)
            for stage in stages {
                figures.processed[stage] = 0
                figures.failed[stage] = 0
                figures.transient[stage] = 0
            }
            // A stage no longer in the config drops out of the file.
            Self.apply(previous, to: &figures) { stages.isEmpty || stages.contains($0) }
        }
    }

    public func fileProcessed(stage: String, file: String, seconds: Double, counters: [String: Int]) {
        update { figures in
            figures.touched.insert(stage)
            figures.processed[stage, default: 0] += 1
            figures.processingSeconds[stage, default: 0] += seconds
            figures.lastSuccess[stage] = Date().timeIntervalSince1970
            for (name, value) in counters { figures.events[LabelPair(stage: stage, name: name), default: 0] += value }
        }
    }

    public func fileQuarantined(stage: String, file: String, reason: String, failedPath: String) {
        update { figures in
            figures.touched.insert(stage)
            figures.failed[stage, default: 0] += 1
        }
    }

    public func transientFailure(stage: String, file: String?, reason: String) {
        update { figures in
            figures.touched.insert(stage)
            figures.transient[stage, default: 0] += 1
        }
    }

    public func scheduledRunFinished(stage: String, counters: [String: Int], seconds: Double, error: String?) {
        update { figures in
            figures.touched.insert(stage)
            figures.runs[LabelPair(stage: stage, name: error == nil ? "success" : "failure"), default: 0] += 1
            if error == nil { figures.lastSuccess[stage] = Date().timeIntervalSince1970 }
            for (name, value) in counters { figures.events[LabelPair(stage: stage, name: name), default: 0] += value }
        }
    }

    public func queueDepth(stage: String, waiting: Int, claimed: Int) {
        update { figures in
            figures.touched.insert(stage)
            figures.waiting[stage] = waiting
            figures.claimed[stage] = claimed
        }
    }

    /// Writes the file now and waits until it is on disk.
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.writeNow()
                continuation.resume()
            }
        }
    }

    /// How many times the file was written (for tests of the once-per-second limit).
    var writes: Int { writeState.withLock { $0.count } }

    /// The file's text as it would be written now.
    public var text: String { Self.render(withRequests(figures.withLock { $0 })) }

    /// `figures` with the Magento request figures as they are now (the process's own, never from the file).
    private func withRequests(_ figures: Figures) -> Figures {
        guard let requests = requests?.snapshot else { return figures }
        var figures = figures
        figures.magentoBuckets = requests.buckets
        figures.magentoCount = requests.count
        figures.magentoSum = requests.sum
        figures.magentoErrors = requests.errors
        figures.magentoRetries = requests.retries
        return figures
    }

    private func update(_ change: (inout Figures) -> Void) {
        figures.withLock { change(&$0) }
        scheduleWrite()
    }

    /// At most one write per second: the first change after a write schedules one, later changes ride along.
    private func scheduleWrite() {
        let delay: Duration? = writeState.withLock { state in
            guard !state.scheduled else { return nil }
            state.scheduled = true
            guard let last = state.lastWrite else { return .zero }
            return max(.zero, .seconds(1) - (ContinuousClock.now - last))
        }
        guard let delay else { return }
        let (seconds, attoseconds) = delay.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { self.writeNow() }
    }

    /// Runs on `queue` only, so two writes never race for the temporary file.
    private func writeNow() {
        writeState.withLock { state in
            state.scheduled = false
            state.lastWrite = ContinuousClock.now
            state.count += 1
        }
        // Another ferry process (the download timer, a drain) may have written since: keep its stages' figures.
        var merged = withRequests(figures.withLock { $0 })
        let (touched, known) = (merged.touched, merged.known)
        Self.apply(Self.samples(in: file), to: &merged) { !touched.contains($0) && (known.isEmpty || known.contains($0)) }
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Durable.write(Data(Self.render(merged).utf8), to: file)
        } catch {
            logger.warning("cannot write the metrics file", metadata: ["ferry.file": "\(file.path)", "ferry.error": "\(error)"])
        }
    }
}

public import CoreMetrics
import Synchronization

/// ferry's swift-metrics backend: keeps the figures of the Magento client's request attempts (latency histogram,
/// errors, retries per HTTP method), which ``MetricsObserver`` writes into the metrics text file and `/metrics`.
/// Every other metric is dropped.
///
/// `ferry` bootstraps one per process (`MetricsSystem.bootstrap`), so the figures are the process's own and
/// outlive the observers a SIGHUP reload replaces. It matches the client's metrics by their labels, the
/// Prometheus names it writes (docs/operations.md), so it needs no knowledge of Magento.
public final class MagentoRequestFigures: MetricsFactory, Sendable {
    /// The bucket bounds (seconds) of the latency histogram.
    public static let latencyBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    static let durationLabel = "ferry_magento_request_duration_seconds"
    static let errorsLabel = "ferry_magento_request_errors_total"
    static let retriesLabel = "ferry_magento_request_retries_total"

    /// The figures by HTTP method.
    struct Snapshot {
        var buckets: [String: [Int]] = [:]
        var count: [String: Int] = [:]
        var sum: [String: Double] = [:]
        var errors: [String: Int] = [:]
        var retries: [String: Int] = [:]
    }

    private let figures = Mutex(Snapshot())

    /// Creates an empty backend.
    public init() {}

    /// The backend the process bootstrapped, when it is ferry's; nil otherwise (no Magento figures are kept).
    public static var bootstrapped: MagentoRequestFigures? { MetricsSystem.factory as? MagentoRequestFigures }

    var snapshot: Snapshot { figures.withLock { $0 } }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard label == Self.durationLabel else { return NOOPMetricsHandler.instance }
        let method = Self.method(of: dimensions)
        return Handler { [self] nanoseconds in
            let seconds = Double(nanoseconds) / 1e9
            self.figures.withLock { figures in
                var buckets = figures.buckets[method] ?? Array(repeating: 0, count: Self.latencyBuckets.count)
                for (index, bound) in Self.latencyBuckets.enumerated() where seconds <= bound { buckets[index] += 1 }
                figures.buckets[method] = buckets
                figures.count[method, default: 0] += 1
                figures.sum[method, default: 0] += seconds
            }
        }
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let method = Self.method(of: dimensions)
        guard label == Self.errorsLabel || label == Self.retriesLabel else { return NOOPMetricsHandler.instance }
        let errors = label == Self.errorsLabel
        return Handler { [self] amount in
            self.figures.withLock { figures in
                if errors { figures.errors[method, default: 0] += Int(amount) } else { figures.retries[method, default: 0] += Int(amount) }
            }
        }
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        NOOPMetricsHandler.instance
    }

    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    private static func method(of dimensions: [(String, String)]) -> String {
        dimensions.first { $0.0 == "method" }?.1 ?? ""
    }

    /// A counter or timer that adds what it is given to the figures.
    private final class Handler: CounterHandler, TimerHandler, Sendable {
        let add: @Sendable (Int64) -> Void

        init(add: @escaping @Sendable (Int64) -> Void) { self.add = add }

        func increment(by amount: Int64) { add(amount) }
        func reset() {}
        func recordNanoseconds(_ duration: Int64) { add(duration) }
    }
}

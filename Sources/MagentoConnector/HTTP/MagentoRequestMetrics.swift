public import CoreMetrics

/// What ``MagentoClient`` records of each REST attempt through swift-metrics (latency, errors, retries): for a
/// metrics backend to show, never for control. The figures carry the HTTP method only, no URL, header or body,
/// so nothing secret can leak through them.
public enum MagentoRequestMetrics {
    /// Timer: how long each attempt took, from sending to the last byte of the answer. Dimension `method`.
    public static let duration = "ferry_magento_request_duration_seconds"
    /// Counter: attempts that failed (a non-2xx answer, or none: no connection, a timeout). Dimension `method`.
    public static let errors = "ferry_magento_request_errors_total"
    /// Counter: attempts the client tries again. Dimension `method`.
    public static let retries = "ferry_magento_request_retries_total"

    /// Records one attempt with `factory`.
    /// - Parameter status: the HTTP status, nil when the transfer failed below HTTP.
    static func record(method: String, status: Int?, elapsed: Duration, willRetry: Bool, factory: any MetricsFactory) {
        let dimensions = [("method", method)]
        let (seconds, attoseconds) = elapsed.components
        Timer(label: duration, dimensions: dimensions, factory: factory)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        if status.map({ !(200..<300).contains($0) }) ?? true {
            Counter(label: errors, dimensions: dimensions, factory: factory).increment()
        }
        if willRetry { Counter(label: retries, dimensions: dimensions, factory: factory).increment() }
    }
}

import Dispatch

/// Runs blocking or CPU-heavy work (libxslt, a big mapping, fsync) on a dispatch thread, so Swift's small
/// cooperative pool (two threads on a two-core machine) keeps serving the other stages.
///
/// A serial queue of its own per call, not `DispatchQueue.global()`: on Linux, Swift's tasks run on that global
/// pool (one thread per core, one more a second while all are blocked), so blocking work sent there took the
/// stages' threads after all (a burst of 10,000 files: 3.4-3.9 s on the global queue, 2.9-3.5 s this way).
public func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "ferry.offload", qos: .userInitiated).async {
            continuation.resume(with: Result { try body() })
        }
    }
}

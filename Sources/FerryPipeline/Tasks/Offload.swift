import Dispatch

/// Runs blocking or CPU-heavy work (libxslt, a big mapping, fsync) on a dispatch thread, so Swift's small
/// cooperative pool (two threads on a two-core machine) keeps serving the other stages.
public func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try body() })
        }
    }
}

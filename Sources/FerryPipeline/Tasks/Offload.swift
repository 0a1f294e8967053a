public import FerryState

/// Runs blocking or CPU-heavy work (libxslt, a big mapping, fsync) on the process's bounded blocking pool
/// (``BlockingPool/shared``), so Swift's small cooperative pool (two threads on a two-core machine) keeps serving
/// the other stages.
public func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingPool.shared.run(body)
}

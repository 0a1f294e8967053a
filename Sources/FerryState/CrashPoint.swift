import Foundation

/// Named step boundaries where a debug build can be made to die by SIGKILL, so the crash harness proves that
/// every interruption is recovered exactly once: `FERRY_CRASH_AT=after-output-rename ferry watch`.
///
/// Compiled into debug builds only; in a release build ``hit(_:)`` is empty.
public enum CrashPoint {
    /// The boundaries the engine and connectors mark, in the order a file meets them.
    public static let names = [
        "after-claim-journal", "after-claim-rename", "after-task-run", "after-commit", "after-output-rename",
        "after-archive", "after-quarantine-record", "after-quarantine-reason", "before-comment-post",
        "after-comment-post",
    ]

    #if DEBUG
    private static let target: String? = ProcessInfo.processInfo.environment["FERRY_CRASH_AT"]
    private static let afterCount: Int = Int(ProcessInfo.processInfo.environment["FERRY_CRASH_AFTER"] ?? "") ?? 0
    private static let counter = Counter()

    private final class Counter: @unchecked Sendable {
        // @unchecked: guarded by the lock.
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
    }
    #endif

    /// Kills the process with SIGKILL if `FERRY_CRASH_AT` names this point (after `FERRY_CRASH_AFTER` passes).
    @inline(__always)
    public static func hit(_ name: StaticString) {
        #if DEBUG
        guard let target, target == "\(name)" else { return }
        if counter.next() > afterCount { kill(getpid(), SIGKILL) }
        #endif
    }
}

public import Logging
import Synchronization

/// Watches a set of folders and streams hints about files arriving in them.
///
/// Folders in ``WatchMode/inotify`` mode get inotify events; if inotify is unavailable or its watch limit is
/// exhausted, the folder falls back to polling and says so loudly. Every folder also gets a ``FolderEvent/Kind/rescan``
/// at start (after its watch is in place, so nothing slips between the listing and the watch), on queue overflow,
/// when re-armed after being deleted, and every `rescanInterval` as a safety net.
public final class FolderWatcher: Sendable {
    /// The hints, in arrival order. Finishes when ``stop()`` is called.
    public let events: AsyncStream<FolderEvent>
    private let continuation: AsyncStream<FolderEvent>.Continuation
    private let folders: [(path: String, mode: WatchMode)]
    private let rescanInterval: Duration
    private let logger: Logger
    private let state = Mutex(RunState())

    private struct RunState {
        var effectiveModes: [String: WatchMode] = [:]
        var subscriptions: [(folder: String, id: UInt64)] = []
        var timers: [Task<Void, Never>] = []
        var stopped = false
    }

    /// Creates a watcher; nothing is watched until ``start()``.
    ///
    /// - Parameters:
    ///   - folders: absolute folder paths and how to watch each.
    ///   - rescanInterval: how often every folder is listed anyway (lost events, clock or mount oddities).
    public init(folders: [(path: String, mode: WatchMode)], rescanInterval: Duration = .seconds(60), logger: Logger) {
        self.folders = folders
        self.rescanInterval = rescanInterval
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Adds the watches, then emits a rescan for every folder, then starts the poll and rescan timers.
    public func start() async {
        for (path, mode) in folders {
            var effective = mode
            if case .inotify = mode {
                switch InotifyHub.shared {
                case .success(let hub):
                    let continuation = self.continuation
                    let (id, code) = await hub.subscribe(folder: path) { continuation.yield($0) }
                    if code == 0 {
                        state.withLock { $0.subscriptions.append((path, id)) }
                    } else {
                        effective = .poll(intervalMilliseconds: 2_000)
                        logger.warning(
                            "inotify watch failed, polling instead",
                            metadata: ["ferry.folder": "\(path)", "ferry.reason": "\(WatchError(folder: path, errno: code, action: "watch"))"])
                    }
                case .failure(let error):
                    effective = .poll(intervalMilliseconds: 2_000)
                    logger.warning("inotify unavailable, polling instead", metadata: ["ferry.folder": "\(path)", "ferry.reason": "\(error)"])
                }
            }
            state.withLock { $0.effectiveModes[path] = effective }
            continuation.yield(FolderEvent(folder: path, name: nil, kind: .rescan))
            if case .poll(let interval) = effective {
                startTimer(every: .milliseconds(interval), folders: [path])
            }
        }
        startTimer(every: rescanInterval, folders: folders.map(\.path))
    }

    /// How each folder is actually watched (inotify may have fallen back to polling).
    public var effectiveModes: [String: WatchMode] {
        state.withLock { $0.effectiveModes }
    }

    /// Removes the watches, stops the timers and finishes ``events``.
    public func stop() {
        let (subscriptions, timers) = state.withLock { s in
            s.stopped = true
            defer { s.subscriptions = []; s.timers = [] }
            return (s.subscriptions, s.timers)
        }
        if case .success(let hub) = InotifyHub.shared {
            subscriptions.forEach { hub.unsubscribe(folder: $0.folder, id: $0.id) }
        }
        timers.forEach { $0.cancel() }
        continuation.finish()
    }

    private func startTimer(every interval: Duration, folders: [String]) {
        let continuation = self.continuation
        let timer = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                folders.forEach { continuation.yield(FolderEvent(folder: $0, name: nil, kind: .rescan)) }
            }
        }
        state.withLock { s in
            if s.stopped { timer.cancel() } else { s.timers.append(timer) }
        }
    }
}

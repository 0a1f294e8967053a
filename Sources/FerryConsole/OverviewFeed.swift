import Foundation
import Synchronization

/// The overview's live figures for every open event stream: read once per interval however many browsers
/// listen (200 streams cost one read, not 200), and only while at least one listens.
///
/// Each stream keeps only the newest event: a slow browser skips figures instead of piling them up in memory.
final class OverviewFeed: Sendable {
    private struct State {
        var subscribers: [UUID: AsyncStream<String>.Continuation] = [:]
        var producer: Task<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    private let interval: Duration
    private let read: @Sendable () async -> String?

    /// - Parameters:
    ///   - interval: how often the figures are read while someone listens.
    ///   - read: one event's text, or nil when the figures cannot be read now (the next tick tries again).
    init(interval: Duration, read: @escaping @Sendable () async -> String?) {
        self.interval = interval
        self.read = read
    }

    /// How many streams are open now.
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// A stream of events: each reading from the next one on (the page that subscribes was rendered with fresh
    /// figures; an older reading sent now would overwrite them). It ends when the consumer stops iterating or the
    /// feed is closed.
    func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        let start: Bool = state.withLock { state in
            guard !state.closed else {
                continuation.finish()
                return false
            }
            state.subscribers[id] = continuation
            return state.producer == nil
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        if start { startProducer() }
        return stream
    }

    /// Ends every stream and stops reading (the console is stopping).
    func close() {
        let (subscribers, producer) = state.withLock { state in
            state.closed = true
            defer { state.subscribers = [:]; state.producer = nil }
            return (Array(state.subscribers.values), state.producer)
        }
        producer?.cancel()
        subscribers.forEach { $0.finish() }
    }

    private func startProducer() {
        let task = Task { [weak self, interval] in
            while !Task.isCancelled {
                guard let self else { return }
                // Nobody listens: stop reading until the next subscriber starts a producer again.
                let idle = self.state.withLock { state -> Bool in
                    if state.subscribers.isEmpty { state.producer = nil }
                    return state.subscribers.isEmpty
                }
                if idle { return }
                if let event = await self.read() {
                    let listeners = self.state.withLock { Array($0.subscribers.values) }
                    listeners.forEach { $0.yield(event) }
                }
                try? await Task.sleep(for: interval)
            }
        }
        let stale = state.withLock { state -> Bool in
            // A producer started meanwhile (two first subscribers at once): keep one.
            if state.producer != nil || state.closed { return true }
            state.producer = task
            return false
        }
        if stale { task.cancel() }
    }
}

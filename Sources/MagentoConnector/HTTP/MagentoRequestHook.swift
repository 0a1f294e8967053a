import Synchronization

/// One Magento REST attempt as the client saw it: for metrics (latency histogram, retries), never for control.
///
/// It carries no URL query, header or body, so nothing secret can leak through it.
public struct MagentoRequestEvent: Sendable {
    /// GET, POST, PUT, DELETE.
    public var method: String
    /// The HTTP status, or nil when the transfer failed below HTTP (no connection, timeout).
    public var status: Int?
    /// Seconds the attempt took, from sending to the last byte of the answer.
    public var seconds: Double
    /// 1 for the first attempt, 2 for the first retry, ...
    public var attempt: Int
    /// True when the client will try again after this attempt.
    public var willRetry: Bool

    /// Creates an event.
    public init(method: String, status: Int?, seconds: Double, attempt: Int, willRetry: Bool) {
        self.method = method
        self.status = status
        self.seconds = seconds
        self.attempt = attempt
        self.willRetry = willRetry
    }
}

/// A process-wide, optional listener on every ``MagentoClient`` request attempt.
///
/// Process-wide because clients are created deep inside the Magento tasks, which know nothing of metrics; a
/// handler is registered by whoever wants the figures (the metrics observer) and removed when it goes away.
/// With no handler registered the client pays one uncontended lock per attempt.
public enum MagentoRequestHook {
    /// Identifies a registered handler, for ``remove(_:)``.
    public struct Token: Sendable, Hashable {
        fileprivate let id: Int
    }

    private struct Registry {
        var nextID = 0
        var handlers: [Int: @Sendable (MagentoRequestEvent) -> Void] = [:]
    }

    private static let registry = Mutex(Registry())

    /// Registers `handler`, called after every attempt on the thread that performed it: keep it short.
    /// - Returns: the token that removes it.
    public static func add(_ handler: @escaping @Sendable (MagentoRequestEvent) -> Void) -> Token {
        registry.withLock { registry in
            registry.nextID += 1
            registry.handlers[registry.nextID] = handler
            return Token(id: registry.nextID)
        }
    }

    /// Removes a handler; removing twice does nothing.
    public static func remove(_ token: Token) {
        _ = registry.withLock { $0.handlers.removeValue(forKey: token.id) }
    }

    /// Tells every handler about an attempt (called by ``MagentoClient``).
    static func notify(_ event: MagentoRequestEvent) {
        let handlers = registry.withLock { Array($0.handlers.values) }
        for handler in handlers { handler(event) }
    }
}

public import Hummingbird
public import NIOCore

/// The stand-ins' request context: Hummingbird's basic one plus the connection, so a fault can close it before
/// one byte of the answer leaves (a proxy or a worker dying after the commit).
public struct ConnectionRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP connection the request came on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

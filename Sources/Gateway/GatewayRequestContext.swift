import Hummingbird
import NIOCore

/// Request context for the gateway's listeners: Hummingbird's core storage plus the peer address
/// (for client IP allow-lists).
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer; nil on Unix sockets.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Bodies are streamed by the proxy, which enforces its own limit.
    public var maxUploadSize: Int { .max }
}

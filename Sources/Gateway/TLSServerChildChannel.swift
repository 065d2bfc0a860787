import HummingbirdCore
import Logging
import NIOCore
import TLS

/// A Hummingbird child channel that runs our OpenSSL `TLSHandler` (GOST suites included) in front of
/// another child channel, the way HummingbirdTLS's `TLSChannel` puts swift-nio-ssl in front.
///
/// swift-nio-ssl (BoringSSL) has no GOST suites, so the gateway and the stand bring their own TLS:
/// ```swift
/// let context = try TLSContext(configuration: .server(certificateChainFile: chain, privateKeyFile: key,
///                                                      cipherList: "LEGACY-GOST2012-GOST8912-GOST8912"))
/// let app = Application(router: router, server: .gostTLS(context: context))
/// ```
public struct TLSServerChildChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    public typealias Value = BaseChannel.Value

    /// The shared OpenSSL context every accepted connection handshakes with.
    public let context: TLSContext
    /// The channel set up after TLS (usually `HTTP1Channel`).
    public let baseChannel: BaseChannel

    /// Wraps `baseChannel` so every accepted connection first completes a TLS handshake with `context`.
    public init(_ baseChannel: BaseChannel, context: TLSContext) {
        self.baseChannel = baseChannel
        self.context = context
    }

    /// Wraps `baseChannel`, building a context from `configuration` (the expensive part: do it once).
    public init(_ baseChannel: BaseChannel, configuration: TLSConfiguration) throws(TLSError) {
        self.init(baseChannel, context: try TLSContext(configuration: configuration))
    }

    /// Adds the server-side `TLSHandler` first, then lets the base channel add its handlers above it.
    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = self.context
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context, role: .server))
        }.flatMap {
            self.baseChannel.setup(channel: channel, logger: logger)
        }
    }

    /// Hands the decrypted connection to the base channel.
    public func handle(value: BaseChannel.Value, logger: Logger) async {
        await baseChannel.handle(value: value, logger: logger)
    }
}

extension TLSServerChildChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    /// The base channel's responder: TLS changes nothing about how requests are answered.
    public var responder: HTTPChannelHandler.Responder {
        baseChannel.responder
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over our OpenSSL TLS (GOST suites included), for `Application(router:server:)`.
    /// - Parameters:
    ///   - configuration: the HTTP/1.1 channel settings (idle timeout, header limits).
    ///   - context: the TLS server context, built once and shared by all connections.
    public static func gostTLS(_ configuration: HTTP1Channel.Configuration = .init(),
                               context: TLSContext) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            TLSServerChildChannel(HTTP1Channel(responder: responder, configuration: configuration), context: context)
        }
    }
}

import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import TLS

/// Refuses request targets that are not origin-form (`GET http://other.host/… HTTP/1.1`,
/// `CONNECT host:443`, `OPTIONS *`) before Hummingbird turns them into a plain path and the
/// difference is lost. The gateway forwards to one pinned origin, so such a request is a client
/// trying to use it as a generic proxy: it gets a local 400 and the connection is closed.
final class OriginFormGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var refusing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .head(let head) = part, !head.uri.hasPrefix("/") || head.uri.hasPrefix("//") {
            refusing = true
            refuse(context: context, version: head.version)
            return
        }
        guard !refusing else { return }
        context.fireChannelRead(data)
    }

    private func refuse(context: ChannelHandlerContext, version: HTTPVersion) {
        let body = #"{"code":"bad_request_target","message":"the request target must be a path such as /api/gusmev/order, not a URL"}"#
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "X-Gosgate-Error", value: "bad_request_target")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .badRequest, headers: headers))),
                      promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}

/// HTTP/1.1 child channel with `OriginFormGuard` placed between the HTTP decoder and the
/// conversion to HTTP types.
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel

    var responder: HTTPChannelHandler.Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            let codec = try operations.handler(type: HTTP1ToHTTPServerCodec.self)
            try operations.addHandler(OriginFormGuard(), position: .before(codec))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// Plain HTTP/1.1 with the origin-form guard.
    static func guardedHTTP1(_ configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }

    /// HTTP/1.1 over our TLS with the origin-form guard.
    static func guardedTLS(_ configuration: HTTP1Channel.Configuration = .init(), context: TLSContext) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            TLSServerChildChannel(GuardedHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: configuration)),
                                  context: context)
        }
    }
}

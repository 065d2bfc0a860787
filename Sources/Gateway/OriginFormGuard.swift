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
        let (head, body) = LocalAnswer.absoluteFormTarget.http1Parts(version: version, closing: true)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// HTTP/1.1 child channel with the gateway's own inbound checks placed between the HTTP decoder and
/// the conversion to HTTP types: `InboundDeadlines` (408/431/400, unfinished bodies fail) and
/// `OriginFormGuard`.
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel
    let limits: InboundDeadlines.Limits

    var responder: HTTPChannelHandler.Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            let codec = try operations.handler(type: HTTP1ToHTTPServerCodec.self)
            let decoder = try operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let deadlines = InboundDeadlines(limits: limits)
            try operations.addHandler(InboundDeadlines.ByteTap(deadlines), position: .before(decoder))
            try operations.addHandler(deadlines, position: .before(codec))
            try operations.addHandler(OriginFormGuard(), position: .before(codec))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

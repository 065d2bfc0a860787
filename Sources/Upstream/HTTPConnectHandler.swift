import NIOCore

/// Opens a tunnel through an HTTP proxy with `CONNECT host:port`, then removes itself so TLS and
/// HTTP run end to end through the tunnel.
final class HTTPConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A proxy answer head larger than this is not an HTTP proxy.
    private static let maximumHeadSize = 16 * 1024

    private let target: String
    private let proxy: HTTPProxy
    private let promise: EventLoopPromise<Void>
    private var received = ByteBuffer()
    private var done = false

    /// - Parameter target: `host:port` of the origin.
    init(target: String, proxy: HTTPProxy, promise: EventLoopPromise<Void>) {
        self.target = target
        self.proxy = proxy
        self.promise = promise
    }

    func handlerAdded(context: ChannelHandlerContext) {
        var request = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let authorization = proxy.authorization { request += "Proxy-Authorization: \(authorization)\r\n" }
        request += "\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(UpstreamError.proxyFailed(proxy: proxy.description, reason: "tunnel setup abandoned")),
               context: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !done else { return context.fireChannelRead(wrapInboundOut(buffer)) }
        received.writeBuffer(&buffer)
        let view = received.readableBytesView
        guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else {
            if received.readableBytes > Self.maximumHeadSize {
                fail("answer is not HTTP (no header end in \(Self.maximumHeadSize) bytes)", context: context)
            }
            return
        }
        let headLength = end.upperBound - view.startIndex
        let head = received.readString(length: headLength) ?? ""
        let statusLine = head.prefix { $0 != "\r" }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            return fail("answer is not HTTP: \(statusLine.prefix(60))", context: context)
        }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        switch status {
        case 200..<300:
            let leftover = received
            finish(.success(()), context: context)
            if leftover.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(leftover)) }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case 407:
            finish(.failure(UpstreamError.proxyAuthenticationRequired(proxy: proxy.description)), context: context)
        default:
            finish(.failure(UpstreamError.proxyRefused(proxy: proxy.description, status: status, reason: reason)),
                   context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail("the proxy closed the connection before the tunnel was open", context: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail("\(error)", context: context)
    }

    private func fail(_ reason: String, context: ChannelHandlerContext?) {
        finish(.failure(UpstreamError.proxyFailed(proxy: proxy.description, reason: reason)), context: context)
    }

    private func finish(_ result: Result<Void, Error>, context: ChannelHandlerContext?) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
        if case .failure = result { context?.close(promise: nil) }
    }
}

import NIOCore
import NIOHTTP1

/// Holds a client to the inbound limits the HTTP decoder cannot enforce by itself: the whole request
/// head within `headerTimeout` of its first byte, no pause longer than `bodyTimeout` while the body
/// arrives. A slow client gets a local 408 and the connection is closed; a head over the decoder's
/// size limit gets 431, other malformed HTTP 400 — all as JSON like every local answer. A connection
/// that sends nothing for `headerTimeout` between requests is closed without an answer.
///
/// It also makes an unfinished body an error: when the connection closes (or times out) before the
/// request's end, an `IncompleteRequestBody` error goes up the pipeline, so the request body the
/// proxy is streaming to EPGU fails instead of ending early. Without it a cut-off chunked upload
/// would reach EPGU as a complete, shorter archive.
///
/// Sits right after the HTTP decoder; `ByteTap`, before the decoder, reports raw bytes so that a head
/// still being typed is told apart from an idle keep-alive connection.
final class InboundDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The limits, from `gateway:` in the configuration.
    struct Limits: Sendable {
        var headerTimeout: Duration
        var bodyTimeout: Duration
    }

    /// The connection ended, or stalled, before the request body was complete.
    struct IncompleteRequestBody: Error, CustomStringConvertible {
        let reason: String
        var description: String { "the client's request body ended early: \(reason)" }
    }

    private enum State: Equatable {
        /// Between requests; `started` once the first byte of the next head arrived.
        case awaitingHead(started: Bool)
        case readingBody
        case awaitingResponse
        /// A local refusal was written; everything else is dropped until the close.
        case refused
    }

    private let limits: Limits
    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private var state = State.awaitingHead(started: false)
    private var responseInProgress = false
    /// When the current wait (head, body pause, idle) runs out.
    private var deadline = NIODeadline.distantFuture
    private var timer: Scheduled<Void>?
    private var timerDue: NIODeadline?
    private var version = HTTPVersion.http1_1
    private var context: ChannelHandlerContext?

    init(limits: Limits) {
        self.limits = limits
        headerTimeout = .nanoseconds(Int64(limits.headerTimeout / .nanoseconds(1)))
        bodyTimeout = .nanoseconds(Int64(limits.bodyTimeout / .nanoseconds(1)))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Behind TLS the handlers are added once the handshake is done, on an active channel.
        if context.channel.isActive { arm(after: headerTimeout, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(after: headerTimeout, context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        self.context = nil
    }

    /// Raw bytes arrived (called by `ByteTap` after the decoder has seen them).
    fileprivate func bytesArrived() {
        guard state == .awaitingHead(started: false), let context else { return }
        state = .awaitingHead(started: true)
        arm(after: headerTimeout, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard state != .refused else { return }
            version = head.version
            state = .readingBody
            arm(after: bodyTimeout, context: context)
        case .body:
            guard state != .refused else { return }
            arm(after: bodyTimeout, context: context)
        case .end:
            guard state != .refused else { return }
            // No deadline while EPGU answers; a pending timer finds nothing to do.
            state = .awaitingResponse
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        if state == .readingBody {
            context.fireErrorCaught(IncompleteRequestBody(reason: "the connection closed"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let wasReadingBody = state == .readingBody
        if wasReadingBody {
            // The body the proxy streams upstream must fail, not end.
            context.fireErrorCaught(IncompleteRequestBody(reason: "malformed body framing"))
        }
        refuse(parserError == .headerOverflow ? .requestHeaderTooLarge : .malformedRequest, context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard state != .refused else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head:
            responseInProgress = true
        case .body:
            break
        case .end:
            responseInProgress = false
            if state == .awaitingResponse {
                state = .awaitingHead(started: false)
                arm(after: headerTimeout, context: context)
            }
        }
        context.write(data, promise: promise)
    }

    /// Moves the deadline. A timer is scheduled only when none fires by then; one that fires early
    /// re-arms itself for the rest. A busy keep-alive connection thus costs no timer work per
    /// request, where cancelling and scheduling at every step cost four per call.
    private func arm(after delay: TimeAmount, context: ChannelHandlerContext) {
        deadline = .now() + delay
        if let timerDue, timerDue <= deadline { return }
        schedule(at: deadline, context: context)
    }

    private func schedule(at due: NIODeadline, context: ChannelHandlerContext) {
        timer?.cancel()
        timerDue = due
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [weak self] in self?.timerFired() }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
        timerDue = nil
    }

    private func timerFired() {
        timer = nil
        timerDue = nil
        guard let context else { return }
        if state == .awaitingResponse || state == .refused { return }
        guard NIODeadline.now() >= deadline else {
            schedule(at: deadline, context: context)
            return
        }
        switch state {
        case .awaitingHead(started: true):
            refuse(.requestHeaderTimeout(limits.headerTimeout), context: context)
        case .awaitingHead(started: false):
            context.close(promise: nil)
        case .readingBody:
            context.fireErrorCaught(IncompleteRequestBody(reason: "no data for \(limits.bodyTimeout)"))
            refuse(.requestBodyTimeout(limits.bodyTimeout), context: context)
        case .awaitingResponse, .refused:
            break
        }
    }

    /// Writes the local answer (unless a response has already begun) and closes the connection.
    private func refuse(_ answer: LocalAnswer, context: ChannelHandlerContext) {
        guard state != .refused else { return }
        disarm()
        state = .refused
        guard !responseInProgress, context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        let (head, body) = answer.http1Parts(version: version, closing: true)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Placed before the HTTP decoder: tells `InboundDeadlines` that bytes arrived.
    final class ByteTap: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer

        private let deadlines: InboundDeadlines

        init(_ deadlines: InboundDeadlines) {
            self.deadlines = deadlines
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.fireChannelRead(data)
            deadlines.bytesArrived()
        }
    }
}

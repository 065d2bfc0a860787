import NIOCore
import NIOHTTP1
import TLS

/// Runs one HTTP/1.1 exchange at a time on a pooled connection: hands the response head and a
/// back-pressured body stream to the caller, enforces the head, body-idle and pool-idle timeouts,
/// and tells the pool when the connection can serve the next request.
///
/// Every method runs on the channel's event loop.
final class HTTPExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, Delegate
    >

    /// The timeouts this handler enforces.
    struct Timeouts {
        let responseHead: Duration
        let bodyIdle: Duration
        let idleConnection: Duration
    }

    /// A final response head and its body stream.
    struct ResponseStart {
        let head: HTTPResponseHead
        let body: UpstreamResponseBody
    }

    /// Forwards the body consumer's demand to the event loop.
    struct Delegate: NIOAsyncSequenceProducerDelegate {
        let handler: NIOLoopBound<HTTPExchangeHandler>
        let generation: Int

        func produceMore() {
            let (handler, generation) = (self.handler, self.generation)
            handler.eventLoop.execute { handler.value.consumerWantsMore(generation: generation) }
        }

        func didTerminate() {
            let (handler, generation) = (self.handler, self.generation)
            handler.eventLoop.execute { handler.value.consumerFinished(generation: generation) }
        }
    }

    private enum State {
        /// In the pool, no exchange.
        case idle
        /// Request on its way or sent; no final head yet.
        case awaitingHead
        /// A 1xx head arrived; its end follows, then the real head.
        case informational
        /// Head delivered; body flowing into the consumer's stream.
        case streamingBody(Producer.Source)
        /// Response complete while the request body is still being sent.
        case responseDone
        case closed
    }

    /// Body buffers the stream holds before the socket stops being read.
    private static let backPressure = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(
        lowWatermark: 2, highWatermark: 8)

    private let origin: String
    private let timeouts: Timeouts
    private let eventLoop: EventLoop
    private var state: State = .idle
    private var context: ChannelHandlerContext?
    private var generation = 0
    private var headPromise: EventLoopPromise<ResponseStart>?
    private var requestComplete = true
    private var keepAlive = true
    private var consumerHasDemand = true
    private var heldRead = false
    private var headTimer: Scheduled<Void>?
    private var bodyTimer: Scheduled<Void>?
    private var writeStallTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var failure: UpstreamError?
    private var writabilityWaiters: [EventLoopPromise<Void>] = []

    /// Called when an exchange ends and the connection may serve another request.
    var onReusable: (() -> Void)?

    init(origin: Origin, timeouts: Timeouts, eventLoop: EventLoop) {
        self.origin = origin.description
        self.timeouts = timeouts
        self.eventLoop = eventLoop
    }

    // MARK: driven by UpstreamConnection

    /// Starts an exchange; `false` when the connection died while pooled (nothing was sent).
    func begin(_ promise: EventLoopPromise<ResponseStart>) -> Bool {
        guard case .idle = state, let context, context.channel.isActive else { return false }
        idleTimer?.cancel()
        idleTimer = nil
        generation += 1
        state = .awaitingHead
        headPromise = promise
        requestComplete = false
        keepAlive = true
        consumerHasDemand = true
        return true
    }

    /// Writes one body chunk; the future completes when the connection can take the next one.
    func sendBodyPart(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard let context, context.channel.isActive else {
            return eventLoop.makeFailedFuture(failure ?? .connectionClosedBeforeResponse(origin: origin))
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if context.channel.isWritable { return context.eventLoop.makeSucceededVoidFuture() }
        let promise = context.eventLoop.makePromise(of: Void.self)
        writabilityWaiters.append(promise)
        if writeStallTimer == nil {
            writeStallTimer = schedule(after: timeouts.bodyIdle) { handler in
                handler.fail(.bodyIdleTimeout(origin: handler.origin, after: handler.timeouts.bodyIdle))
            }
        }
        return promise.futureResult
    }

    /// The request (head, body, end) has been handed to the channel.
    func requestEnded() {
        requestComplete = true
        switch state {
        case .awaitingHead:
            headTimer = schedule(after: timeouts.responseHead) { handler in
                handler.fail(.responseHeadTimeout(origin: handler.origin, after: handler.timeouts.responseHead))
            }
        case .responseDone:
            finishExchange()
        default:
            break
        }
    }

    /// Gives up on the exchange (the request body failed); the connection is not reused.
    func fail(_ error: UpstreamError) {
        if failure == nil { failure = error }
        context?.close(promise: nil)
    }

    // MARK: lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        let error = failure ?? .connectionClosedBeforeResponse(origin: origin)
        headPromise?.fail(error)
        headPromise = nil
        let waiters = writabilityWaiters
        writabilityWaiters = []
        waiters.forEach { $0.fail(error) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error: UpstreamError
        switch state {
        case .streamingBody: error = failure ?? .connectionClosedMidBody(origin: origin)
        default: error = failure ?? .connectionClosedBeforeResponse(origin: origin)
        }
        switch state {
        case .awaitingHead, .informational:
            headPromise?.fail(error)
            headPromise = nil
        case .streamingBody(let source):
            source.finish(error)
        case .idle, .responseDone, .closed:
            break
        }
        state = .closed
        for timer in [headTimer, bodyTimer, writeStallTimer, idleTimer] { timer?.cancel() }
        let waiters = writabilityWaiters
        writabilityWaiters = []
        waiters.forEach { $0.fail(error) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if failure == nil { failure = classify(error) }
        context.close(promise: nil)
    }

    private func classify(_ error: Error) -> UpstreamError {
        if let error = error as? UpstreamError { return error }
        if let error = error as? TLSError { return .tls(origin: origin, error) }
        if let error = error as? HTTPParserError {
            if case .invalidEOFState = error { return .connectionClosedMidBody(origin: origin) }
            return .malformedResponse(origin: origin, reason: "\(error)")
        }
        if case .streamingBody = state { return .connectionClosedMidBody(origin: origin) }
        return .connectionClosedBeforeResponse(origin: origin)
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            receivedHead(head, context: context)
        case .body(let buffer):
            guard case .streamingBody(let source) = state else {
                return fail(.malformedResponse(origin: origin, reason: "body bytes without a response"))
            }
            bodyTimer?.cancel()
            bodyTimer = nil
            switch source.yield(buffer) {
            case .produceMore: break
            case .stopProducing: consumerHasDemand = false
            case .dropped: context.close(promise: nil)  // nobody reads this body any more
            }
        case .end:
            switch state {
            case .informational:
                state = .awaitingHead
            case .streamingBody(let source):
                bodyTimer?.cancel()
                bodyTimer = nil
                state = .responseDone
                // Back to the pool before the consumer sees the end, so its next request finds
                // this connection idle instead of opening another.
                if requestComplete {
                    finishExchange()
                } else if !keepAlive {
                    context.close(promise: nil)  // the origin answered early and is closing
                }
                source.finish()
            default:
                fail(.malformedResponse(origin: origin, reason: "response end without a response"))
            }
        }
    }

    private func receivedHead(_ head: HTTPResponseHead, context: ChannelHandlerContext) {
        guard case .awaitingHead = state else {
            // Includes data on an idle pooled connection (e.g. a 408 before the origin closes it).
            return fail(.malformedResponse(origin: origin, reason: "unsolicited response \(head.status.code)"))
        }
        if (100..<200).contains(head.status.code) {
            state = .informational
            return
        }
        headTimer?.cancel()
        headTimer = nil
        keepAlive = head.isKeepAlive
        let stream = Producer.makeSequence(
            backPressureStrategy: Self.backPressure, finishOnDeinit: true,
            delegate: Delegate(handler: NIOLoopBound(self, eventLoop: eventLoop), generation: generation))
        state = .streamingBody(stream.source)
        headPromise?.succeed(ResponseStart(head: head, body: UpstreamResponseBody(producer: stream.sequence)))
        headPromise = nil
    }

    private func finishExchange() {
        guard let context else { return }
        guard keepAlive, context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        state = .idle
        idleTimer = schedule(after: timeouts.idleConnection) { handler in
            handler.context?.close(promise: nil)
        }
        onReusable?()
    }

    // MARK: back-pressure

    func read(context: ChannelHandlerContext) {
        if case .streamingBody = state {
            if !consumerHasDemand {
                // The body consumer is behind: stop reading the socket until it asks again.
                heldRead = true
                return
            }
            armBodyTimer()
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeStallTimer?.cancel()
            writeStallTimer = nil
            let waiters = writabilityWaiters
            writabilityWaiters = []
            waiters.forEach { $0.succeed() }
        }
        context.fireChannelWritabilityChanged()
    }

    fileprivate func consumerWantsMore(generation: Int) {
        guard generation == self.generation else { return }
        consumerHasDemand = true
        if heldRead, let context {
            heldRead = false
            armBodyTimer()
            context.read()
        }
    }

    fileprivate func consumerFinished(generation: Int) {
        guard generation == self.generation, case .streamingBody = state else { return }
        // The consumer dropped the body before its end: the rest cannot be skipped cheaply.
        context?.close(promise: nil)
    }

    private func armBodyTimer() {
        guard bodyTimer == nil else { return }
        bodyTimer = schedule(after: timeouts.bodyIdle) { handler in
            handler.fail(.bodyIdleTimeout(origin: handler.origin, after: handler.timeouts.bodyIdle))
        }
    }

    private func schedule(after delay: Duration, _ body: @escaping (HTTPExchangeHandler) -> Void) -> Scheduled<Void> {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let action = NIOLoopBound(body, eventLoop: eventLoop)
        return eventLoop.scheduleTask(in: TimeAmount(delay)) { action.value(bound.value) }
    }
}

@available(*, unavailable)
extension HTTPExchangeHandler: Sendable {}

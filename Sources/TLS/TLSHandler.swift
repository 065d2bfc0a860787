import COpenSSL
import NIOCore

/// A SwiftNIO handler that runs TLS over system OpenSSL (with the GOST engine) for one channel,
/// client or server: ciphertext below it, plaintext above it.
///
/// It is added to a channel pipeline like `NIOSSLClientHandler`/`NIOSSLServerHandler` and can be
/// wrapped the same way by an HTTP server's child-channel setup. When the handshake finishes it fires
/// a `TLSHandshakeCompleted` user event (and completes `handshakePromise`, if given); failures are
/// fired as `TLSError` through `errorCaught` and close the channel.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Which side of the handshake this handler plays.
    public enum Role: Sendable {
        /// Connects to `serverHostname` (sent as SNI unless it is an IP literal, and checked against
        /// the certificate). `sessionKey` names the origin for session resumption; `nil` disables it.
        case client(serverHostname: String?, sessionKey: String?)
        /// Accepts a client.
        case server
    }

    private enum State {
        case idle
        case handshaking
        case active
        case closed
    }

    /// Plaintext decrypted per inbound read, at most; bounds memory per `channelRead`.
    private static let readChunk = 4 * SSLConnection.recordSize
    /// Plaintext encrypted per outbound write, at most.
    private static let writeChunk = 4 * SSLConnection.recordSize

    private let tlsContext: TLSContext
    private let role: Role
    private var handshakePromise: EventLoopPromise<TLSHandshakeCompleted>?
    private var state: State = .idle
    private var connection: SSLConnection?
    private var pendingWrites = CircularBuffer<(ByteBuffer, EventLoopPromise<Void>?)>()
    private var flushPending = false
    private var handshakeTimer: Scheduled<Void>?
    private var handshakeStart: NIODeadline = .now()
    /// The first bytes the peer sent, kept to explain a "not TLS" failure.
    private var firstBytes: [UInt8]?

    /// - Parameters:
    ///   - context: the shared context built from this connection's configuration.
    ///   - role: client (with the server name) or server.
    ///   - handshakePromise: completed with the handshake summary, or failed with a `TLSError`.
    public init(context: TLSContext, role: Role, handshakePromise: EventLoopPromise<TLSHandshakeCompleted>? = nil) {
        self.tlsContext = context
        self.role = role
        self.handshakePromise = handshakePromise
    }

    // MARK: lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        failPending(with: ChannelError.ioOnClosedChannel)
        handshakePromise?.fail(ChannelError.ioOnClosedChannel)
        handshakePromise = nil
        connection = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if state == .handshaking {
            report(.peerClosedDuringHandshake, context: context, close: false)
        }
        state = .closed
        handshakeTimer?.cancel()
        failPending(with: ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        let configuration = tlsContext.configuration
        let serverHostname: String?
        let sessionKey: String?
        let isClient: Bool
        switch role {
        case .client(let host, let key):
            (serverHostname, sessionKey, isClient) = (host, configuration.sessionResumption ? key : nil, true)
        case .server:
            (serverHostname, sessionKey, isClient) = (nil, nil, false)
        }
        let connectionState = TLSConnectionState(
            isClient: isClient, enforceVerification: configuration.certificateVerification != .none,
            sessionKey: sessionKey, sessionCache: tlsContext.sessionCache,
            applicationProtocols: configuration.applicationProtocols)
        do {
            connection = try SSLConnection(context: tlsContext, state: connectionState, serverHostname: serverHostname)
        } catch {
            state = .closed
            report(error, context: context, close: true)
            return
        }
        state = .handshaking
        handshakeStart = .now()
        let timeout = configuration.handshakeTimeout
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            let (handler, context) = bound.value
            guard handler.state == .handshaking else { return }
            handler.state = .closed
            handler.report(.handshakeTimeout(timeout), context: context, close: true)
        }
        if isClient { advanceHandshake(context: context) }
        context.read()
    }

    // MARK: inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let connection, state == .handshaking || state == .active else { return }
        if firstBytes == nil { firstBytes = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, 32)) }
        connection.feed(buffer)
        if state == .handshaking {
            advanceHandshake(context: context)
        } else {
            decryptAvailable(context: context)
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        guard let connection else { return }
        let outcome = connection.handshake()
        writeOutput(context: context, flush: true)
        switch outcome {
        case .complete:
            handshakeCompleted(context: context)
        case .wantRead:
            context.read()
        case .closedByPeer:
            state = .closed
            report(.peerClosedDuringHandshake, context: context, close: true)
        case .failed(let code, let errors):
            state = .closed
            if case .client(_, let key?) = role { tlsContext.sessionCache.remove(for: key) }
            let error = TLSHandshakeFailure(
                code: code, errors: errors, connection: connection, configuration: tlsContext.configuration,
                expectedName: expectedName, firstBytes: firstBytes ?? []
            ).error
            report(error, context: context, close: true)
        }
    }

    private var expectedName: String? {
        if case .client(let host, _) = role { return host }
        return nil
    }

    private func handshakeCompleted(context: ChannelHandlerContext) {
        guard let connection else { return }
        state = .active
        handshakeTimer?.cancel()
        handshakeTimer = nil
        let summary = TLSSessionSummary(connection: connection, role: role,
                                        duration: .nanoseconds((NIODeadline.now() - handshakeStart).nanoseconds))
            .event
        context.fireUserInboundEventTriggered(summary)
        handshakePromise?.succeed(summary)
        handshakePromise = nil

        // Writes queued during the handshake go out now, in order.
        while let (buffer, promise) = pendingWrites.popFirst() {
            encrypt(buffer, promise: promise, context: context)
        }
        if flushPending {
            flushPending = false
            context.flush()
        }
        // Application data may have arrived in the same read as the last handshake message.
        decryptAvailable(context: context)
    }

    private func decryptAvailable(context: ChannelHandlerContext) {
        guard let connection else { return }
        while state == .active {
            var plaintext = context.channel.allocator.buffer(capacity: Self.readChunk)
            let outcome = connection.read(into: &plaintext, limit: Self.readChunk)
            if plaintext.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(plaintext))
            }
            switch outcome {
            case .complete:
                continue  // the chunk filled up; more may be waiting
            case .wantRead:
                writeOutput(context: context, flush: true)
                return
            case .closedByPeer:
                // Answer the peer's close_notify with ours, then close the connection.
                state = .closed
                connection.shutdown()
                writeOutput(context: context, flush: true)
                context.close(promise: nil)
                return
            case .failed(_, let errors):
                state = .closed
                writeOutput(context: context, flush: true)
                let reason = errors.map(\.text).joined(separator: "; ")
                report(.protocolError(reason.isEmpty ? "connection reset inside TLS" : reason),
                       context: context, close: true)
                return
            }
        }
    }

    // MARK: outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            pendingWrites.append((buffer, promise))
        case .active:
            encrypt(buffer, promise: promise, context: context)
        case .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        switch state {
        case .idle, .handshaking:
            flushPending = true
        case .active, .closed:
            context.flush()
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if state == .active, mode != .input, let connection {
            // A clean close: our close_notify goes out before the TCP FIN.
            state = .closed
            connection.shutdown()
            writeOutput(context: context, flush: true)
        } else if state != .active {
            state = .closed
            failPending(with: ChannelError.ioOnClosedChannel)
        }
        context.close(mode: mode, promise: promise)
    }

    private func encrypt(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        guard let connection else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var remaining = buffer
        repeat {
            let slice = remaining.readSlice(length: min(remaining.readableBytes, Self.writeChunk)) ?? remaining
            let outcome = slice.withUnsafeReadableBytes { connection.write($0) }
            if case .failed(_, let errors) = outcome {
                let error = TLSError.protocolError(errors.map(\.text).joined(separator: "; "))
                promise?.fail(error)
                state = .closed
                report(error, context: context, close: true)
                return
            }
            let isLast = remaining.readableBytes == 0
            if let output = connection.takeOutput(allocator: context.channel.allocator) {
                context.write(wrapOutboundOut(output), promise: isLast ? promise : nil)
            } else if isLast {
                promise?.succeed()
            }
        } while remaining.readableBytes > 0
    }

    private func writeOutput(context: ChannelHandlerContext, flush: Bool) {
        guard let output = connection?.takeOutput(allocator: context.channel.allocator) else { return }
        if flush {
            context.writeAndFlush(wrapOutboundOut(output), promise: nil)
        } else {
            context.write(wrapOutboundOut(output), promise: nil)
        }
    }

    // MARK: failures

    private func report(_ error: TLSError, context: ChannelHandlerContext, close: Bool) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        failPending(with: error)
        if let promise = handshakePromise {
            handshakePromise = nil
            promise.fail(error)
        }
        context.fireErrorCaught(error)
        if close { context.close(promise: nil) }
    }

    private func failPending(with error: Error) {
        while let (_, promise) = pendingWrites.popFirst() {
            promise?.fail(error)
        }
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}

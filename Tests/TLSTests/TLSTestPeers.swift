import Foundation
import NIOCore
import NIOPosix
import TLS

/// Our TLS client and server, driven the way the gateway drives them, for tests against openssl/curl.
enum TLSTestPeers {
    static let group = MultiThreadedEventLoopGroup.singleton

    /// What our client saw on one connection.
    struct ClientResult {
        let handshake: TLSHandshakeCompleted
        let received: String
    }

    /// Connects our client, sends `request` after the handshake and reads until the server closes.
    static func connect(port: Int, configuration: TLSConfiguration, context: TLSContext? = nil,
                        serverHostname: String? = "localhost", sessionKey: String? = nil,
                        request: String = "GET / HTTP/1.0\r\n\r\n", closeAfter: Duration? = nil) async throws -> ClientResult {
        let tlsContext = try context ?? TLSContext(configuration: configuration)
        let collector = CollectingHandler.Box()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        TLSHandler(context: tlsContext, role: .client(serverHostname: serverHostname, sessionKey: sessionKey),
                                   handshakePromise: collector.handshake(on: channel.eventLoop)),
                        CollectingHandler(box: collector),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let handshake = try await collector.handshakeFuture!.get()
        if !request.isEmpty {
            try await channel.writeAndFlush(ByteBuffer(string: request))
        }
        if let closeAfter {
            try await Task.sleep(for: closeAfter)
            try? await channel.close()
        }
        try await channel.closeFuture.get()
        return ClientResult(handshake: handshake, received: collector.text)
    }

    /// Runs our TLS server on a free loopback port; each connection gets an `EchoOrHTTPHandler`.
    final class Server: @unchecked Sendable {
        // @unchecked: `events` and `errors` are guarded by `lock`.
        let channel: Channel
        private let lock = NSLock()
        private var events: [TLSHandshakeCompleted] = []
        private var errors: [Error] = []

        var port: Int { channel.localAddress!.port! }
        var handshakes: [TLSHandshakeCompleted] { lock.withLock { events } }
        var failures: [Error] { lock.withLock { errors } }

        init(configuration: TLSConfiguration) async throws {
            let context = try TLSContext(configuration: configuration)
            let recorder = Recorder()
            channel = try await ServerBootstrap(group: TLSTestPeers.group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            TLSHandler(context: context, role: .server),
                            EchoOrHTTPHandler(recorder: recorder),
                        ])
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            recorder.server = self
        }

        func record(_ event: TLSHandshakeCompleted) { lock.withLock { events.append(event) } }
        func record(_ error: Error) { lock.withLock { errors.append(error) } }

        /// Waits up to `seconds` for a condition on the recorded events/errors.
        func waitFor(_ seconds: Double = 5, _ condition: () -> Bool) async {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition(), Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        }

        func stop() { channel.close(promise: nil) }

        final class Recorder: @unchecked Sendable {
            weak var server: Server?
        }
    }
}

/// Collects a client connection's plaintext and handshake outcome.
final class CollectingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    final class Box: @unchecked Sendable {
        // @unchecked: mutated on the channel's event loop only, read after the channel closed.
        var bytes: [UInt8] = []
        var handshakeFuture: EventLoopFuture<TLSHandshakeCompleted>?
        var text: String { String(decoding: bytes, as: UTF8.self) }

        func handshake(on loop: EventLoop) -> EventLoopPromise<TLSHandshakeCompleted> {
            let promise = loop.makePromise(of: TLSHandshakeCompleted.self)
            handshakeFuture = promise.futureResult
            return promise
        }
    }

    private let box: Box
    init(box: Box) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        box.bytes += unwrapInboundIn(data).readableBytesView
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// Server side of the tests: answers `GET` with a small HTTP response naming the suite, echoes
/// anything else line by line, and records handshakes and errors.
final class EchoOrHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let recorder: TLSTestPeers.Server.Recorder
    private var suite = "?"
    private var pending = ""

    init(recorder: TLSTestPeers.Server.Recorder) { self.recorder = recorder }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompleted {
            suite = event.cipherSuite
            recorder.server?.record(event)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += String(decoding: unwrapInboundIn(data).readableBytesView, as: UTF8.self)
        if pending.hasPrefix("GET ") {
            guard pending.contains("\r\n\r\n") else { return }
            let body = "hello over \(suite)\n"
            let response = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
            context.close(promise: nil)
            return
        }
        while let newline = pending.firstIndex(of: "\n") {
            let line = pending[..<newline]
            pending = String(pending[pending.index(after: newline)...])
            if line == "quit" {
                context.close(promise: nil)
                return
            }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "echo: \(line)\n")), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        recorder.server?.record(error)
        context.close(promise: nil)
    }
}

/// A TCP server that misbehaves at the TLS layer on purpose: closes, stalls or answers plain text.
final class MisbehavingServer: Sendable {
    enum Behaviour: Sendable {
        /// Reads the ClientHello, then closes without a word.
        case closeAfterFirstRead
        /// Accepts and never answers.
        case stall
        /// Answers with plain HTTP.
        case answerPlainHTTP
    }

    let channel: Channel
    var port: Int { channel.localAddress!.port! }

    init(_ behaviour: Behaviour) async throws {
        channel = try await ServerBootstrap(group: TLSTestPeers.group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() { channel.close(promise: nil) }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour
        init(behaviour: Behaviour) { self.behaviour = behaviour }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch behaviour {
            case .closeAfterFirstRead:
                context.close(promise: nil)
            case .stall:
                break
            case .answerPlainHTTP:
                let text = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
            }
        }
    }
}

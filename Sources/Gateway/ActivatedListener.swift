import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Systemd

/// Serves the gateway on a listening socket systemd passed (`gosgate.socket`), with the same child
/// channel as the listeners gosgated binds itself. Hummingbird's `Application` can only bind an
/// address, so this does the part of it the gateway needs: accept, set up each connection, hand
/// requests to the responder; at graceful shutdown it stops accepting and lets each connection
/// finish its current request.
struct ActivatedListener: Service {
    let socket: ActivatedSocket
    let childChannel: any ServerChildChannel
    let onRunning: @Sendable (SocketAddress?) async -> Void
    let logger: Logger

    func run() async throws {
        try await serve(childChannel)
    }

    private func serve<Child: ServerChildChannel>(_ child: Child) async throws {
        guard socket.isListeningStream else {
            throw ActivatedListenerError(descriptor: socket.descriptor, reason: "it is not a listening stream socket")
        }
        let server: NIOAsyncChannel<Child.Value, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(socket.descriptor) { channel in child.setup(channel: channel, logger: logger) }
        } catch {
            throw ActivatedListenerError(descriptor: socket.descriptor, reason: "\(error)")
        }
        logger.info("gateway listening on the socket systemd passed", metadata: [
            "fd": .stringConvertible(socket.descriptor), "address": .string(socket.localAddress.map { "\($0)" } ?? "-"),
        ])
        await onRunning(server.channel.localAddress)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await child.handle(value: connection, logger: logger) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    /// Adapts the proxy to the child channel's responder, as `Application` does for its listeners.
    static func channelResponder(_ responder: ProxyResponder, logger: Logger) -> HTTPChannelHandler.Responder {
        { (request, writer: consuming ResponseWriter, channel) in
            let context = GatewayRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                logger.error("gateway responder failed: \(error)")
                response = Response(status: .internalServerError)
            }
            try await writer.write(response: response.head, body: response.body)
        }
    }
}

/// The socket systemd passed cannot be served.
struct ActivatedListenerError: Error, CustomStringConvertible {
    let descriptor: CInt
    let reason: String

    var description: String {
        "cannot serve the gateway on the socket systemd passed (fd \(descriptor)): \(reason); check gosgate.socket"
    }
}

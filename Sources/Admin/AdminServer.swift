import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Systemd

/// The admin API's listener: HTTP/1.1 with JSON on a Unix socket, each connection tagged with the
/// caller's `SO_PEERCRED`. A `Service`, so gosgated runs it in its service group: graceful shutdown
/// stops accepting, cancels long polls, and removes the socket file it created.
public final class AdminServer: Service, Sendable {
    /// Where to listen.
    public enum Listener: Sendable {
        /// Bind this path (a stale socket file is replaced; a live one is an error).
        case path(AdminSocketSettings)
        /// The socket systemd passed (`gosgate-admin.socket`); systemd owns its file and mode.
        case activated(ActivatedSocket)
    }

    /// Largest request body accepted (identity and client specs are a few hundred bytes).
    static let maximumBodyBytes = 64 * 1024

    private let api: AdminAPI
    private let listener: Listener
    private let logger: Logger
    private let onListening: @Sendable (String) async -> Void
    private let reloadsOnHangup: Bool
    private let connections = AdminConnections()

    /// - Parameters:
    ///   - reloadsOnHangup: SIGHUP reloads the configuration, as `gosgatectl reload` does (the daemon
    ///     sets it; systemd's `Type=notify-reload` sends SIGHUP).
    ///   - onListening: called with the socket's path once connections are accepted.
    public init(api: AdminAPI, listener: Listener, logger: Logger, reloadsOnHangup: Bool = false,
                onListening: @escaping @Sendable (String) async -> Void = { _ in }) {
        self.api = api
        self.listener = listener
        self.logger = logger
        self.reloadsOnHangup = reloadsOnHangup
        self.onListening = onListening
    }

    private struct Connection: Sendable {
        let peer: PeerCredentials
        let channel: NIOAsyncChannel<NIOHTTPServerRequestFull, HTTPServerResponsePart>
    }

    public func run() async throws {
        let (server, path) = try await bind()
        logger.notice("admin API listening on \(path)")
        await onListening(path)
        defer {
            connections.closeAll()
            if case .path(let settings) = listener { unlink(settings.path) }
        }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                if reloadsOnHangup {
                    let hangups = HangupSignals.stream()
                    group.addTask {
                        for await _ in hangups { await self.api.reloadOnHangup() }
                    }
                }
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
                // The listener is closed: idle keep-alive connections and long polls end now.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    private func bind() async throws -> (NIOAsyncChannel<Connection, Never>, String) {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Connection> = { [connections] channel in
            connections.register(channel)
            return PeerCredentials.read(from: channel).flatMapThrowing { peer in
                let pipeline = channel.pipeline.syncOperations
                try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                try pipeline.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: Self.maximumBodyBytes))
                // A connection accepted while the listener closes is dropped before it is served; only the
                // deinit-finishing wrapper survives that (the other one traps on an unfinished writer).
                return Connection(peer: peer, channel: try NIOAsyncChannel(synchronouslyWrapping: channel))
            }
        }
        switch listener {
        case .path(let settings):
            try AdminSocketFile.clearStale(settings.path)
            let server: NIOAsyncChannel<Connection, Never>
            do {
                server = try await bootstrap.bind(unixDomainSocketPath: settings.path, childChannelInitializer: initializer)
            } catch {
                throw AdminServerError.cannotListen(path: settings.path, reason: "\(error)")
            }
            do {
                try AdminSocketFile.applyPermissions(settings, logger: logger)
            } catch {
                try? await server.channel.close()
                unlink(settings.path)
                throw error
            }
            return (server, settings.path)
        case .activated(let socket):
            guard socket.isListeningStream else {
                throw AdminServerError.activationFailed("descriptor \(socket.descriptor) is not a listening stream socket")
            }
            do {
                let server = try await bootstrap.bind(socket.descriptor, childChannelInitializer: initializer)
                return (server, socket.localAddress?.pathname ?? "fd \(socket.descriptor)")
            } catch {
                throw AdminServerError.activationFailed("\(error)")
            }
        }
    }

    private func serve(_ connection: Connection) async {
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                for try await request in inbound {
                    let keepAlive = request.head.isKeepAlive
                    let body = request.body.map { Data($0.readableBytesView) } ?? Data()
                    let response = await api.respond(to: AdminRequest(
                        method: request.head.method, uri: request.head.uri, body: body, peer: connection.peer))
                    try await write(response, version: request.head.version, keepAlive: keepAlive, to: outbound)
                    if !keepAlive { break }
                }
            }
        } catch {
            logger.debug("admin connection from \(connection.peer) ended: \(error)")
        }
    }

    private func write(_ response: AdminResponse, version: HTTPVersion, keepAlive: Bool,
                       to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        switch response.body {
        case .data(let data):
            headers.add(name: "Content-Length", value: String(data.count))
            try await outbound.write(.head(HTTPResponseHead(version: version, status: response.status, headers: headers)))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: data))))
        case .stream(let pieces):
            headers.add(name: "Transfer-Encoding", value: "chunked")
            try await outbound.write(.head(HTTPResponseHead(version: version, status: response.status, headers: headers)))
            // A failure mid-stream closes the connection without the final chunk: the reader sees
            // a cut-short answer (and an export without its trailer), never a complete-looking one.
            for try await piece in pieces where !piece.isEmpty {
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: piece))))
            }
        }
        try await outbound.write(.end(nil))
    }
}

import NIOCore
import NIOPosix
import TLS

/// Opens a connection to an origin the way the gateway does: TCP (directly or through a `CONNECT`
/// proxy), then TLS for `https`. Used by the pool and by `gosgatectl diagnose tls`.
public enum UpstreamConnector {
    /// An open connection, TLS done; the pipeline holds only the TLS handler (if any).
    public struct Connection: Sendable {
        public let channel: Channel
        /// The TLS handshake summary, `nil` for plain HTTP.
        public let tls: TLSHandshakeCompleted?
        /// Time spent in TCP connect (and proxy tunnel setup).
        public let connectDuration: Duration
    }

    /// Send buffer water marks: big enough for bulk throughput, small enough to bound memory.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 256 * 1024, high: 1024 * 1024)

    /// Connects to `origin`.
    /// - Parameters:
    ///   - tlsContext: required for `https` origins.
    ///   - proxy: tunnel through this proxy with `CONNECT`.
    ///   - connectTimeout: for TCP connect plus the proxy's answer; the TLS handshake has its own
    ///     timeout in the context's configuration.
    ///   - serverName: the name sent as SNI and checked in the certificate, when it differs from
    ///     the host connected to (diagnostics of a server behind an address).
    public static func connect(to origin: Origin, tlsContext: TLSContext?, proxy: HTTPProxy? = nil,
                               connectTimeout: Duration, serverName: String? = nil,
                               group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(UpstreamError) -> Connection {
        let started = ContinuousClock.now
        if origin.scheme == .https, tlsContext == nil {
            throw .tlsConfiguration(.invalidConfiguration("no TLS context for \(origin)"))
        }
        let loop = group.next()
        let role = TLSHandler.Role.client(serverHostname: serverName ?? origin.host,
                                          sessionKey: origin.hostAndPort + (serverName.map { "/" + $0 } ?? ""))
        let handshake = loop.makePromise(of: TLSHandshakeCompleted.self)
        // Without a proxy the TLS handler goes in with the socket, so the handshake starts the moment
        // TCP is up; through a proxy it is added once the tunnel is open.
        let tlsAtConnect = proxy == nil ? tlsContext : nil
        let channel: Channel
        do {
            channel = try await openTCP(to: origin, proxy: proxy, timeout: connectTimeout, loop: loop) { channel in
                guard let tlsAtConnect else { return }
                try channel.pipeline.syncOperations.addHandler(
                    TLSHandler(context: tlsAtConnect, role: role, handshakePromise: handshake))
            }
        } catch {
            handshake.fail(error)
            throw error
        }
        do {
            if let proxy {
                try await openTunnel(on: channel, to: origin, through: proxy, timeout: connectTimeout)
            }
            let connectDuration = ContinuousClock.now - started
            guard origin.scheme == .https, let tlsContext else {
                handshake.fail(ChannelError.ioOnClosedChannel)  // never used for plain HTTP
                return Connection(channel: channel, tls: nil, connectDuration: connectDuration)
            }
            if tlsAtConnect == nil {
                try await loop.submit {
                    try channel.pipeline.syncOperations.addHandler(
                        TLSHandler(context: tlsContext, role: role, handshakePromise: handshake))
                }.get()
            }
            let summary: TLSHandshakeCompleted
            do {
                summary = try await handshake.futureResult.get()
            } catch let error as TLSError {
                throw UpstreamError.tls(origin: origin.description, error)
            }
            return Connection(channel: channel, tls: summary, connectDuration: connectDuration)
        } catch {
            handshake.fail(error)
            channel.close(promise: nil)
            if let error = error as? UpstreamError { throw error }
            throw .connectFailed(origin: origin.description, reason: "\(error)")
        }
    }

    private static func openTCP(to origin: Origin, proxy: HTTPProxy?, timeout: Duration, loop: EventLoop,
                                initialize: @escaping @Sendable (Channel) throws -> Void) async throws(UpstreamError) -> Channel {
        let (host, port) = proxy.map { ($0.host, $0.port) } ?? (origin.host, origin.port)
        do {
            return try await ClientBootstrap(group: loop)
                .connectTimeout(TimeAmount(timeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelOption(.writeBufferWaterMark, value: writeBufferWaterMark)
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try initialize(channel) } }
                .connect(host: host, port: port).get()
        } catch {
            let isTimeout = (error as? ChannelError) == .connectTimeout(TimeAmount(timeout))
                || "\(error)".contains("connectTimeout")
            if let proxy {
                throw .proxyFailed(proxy: proxy.description,
                                   reason: isTimeout ? "connect timed out after \(timeout)" : "cannot connect: \(describe(error))")
            }
            if isTimeout { throw .connectTimeout(origin: origin.description, after: timeout) }
            throw .connectFailed(origin: origin.description, reason: describe(error))
        }
    }

    private static func openTunnel(on channel: Channel, to origin: Origin, through proxy: HTTPProxy,
                                   timeout: Duration) async throws {
        let loop = channel.eventLoop
        let opened = loop.makePromise(of: Void.self)
        let timer = loop.scheduleTask(in: TimeAmount(timeout)) {
            opened.fail(UpstreamError.proxyFailed(proxy: proxy.description, reason: "no answer to CONNECT within \(timeout)"))
        }
        try await loop.submit {
            try channel.pipeline.syncOperations.addHandler(
                HTTPConnectHandler(target: origin.hostAndPort, proxy: proxy, promise: opened))
        }.get()
        defer { timer.cancel() }
        try await opened.futureResult.get()
    }

    /// NIO's connection errors, shortened to the cause (refused, unreachable, unknown host).
    private static func describe(_ error: Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return "\(first.error)" }
            if let dns = error.dnsAAAAError ?? error.dnsAError { return "name not resolved (\(dns))" }
        }
        return "\(error)"
    }
}

import Foundation
import NIOCore
import NIOPosix
import TLS

/// The HTTP/1.1 client the gateway uses for ESIA and EPGU: a connection pool per origin, TLS (GOST
/// or ordinary) per origin, streaming bodies both ways, timeouts and an optional `CONNECT` proxy.
///
/// ```swift
/// var configuration = UpstreamConfiguration()
/// configuration.tlsPerOrigin[epgu] = .gostClient(trustRoots: .directory("/etc/gosgate/ca"))
/// let client = UpstreamClient(configuration: configuration)
/// let response = try await client.execute(UpstreamRequest(method: .POST, origin: epgu, target: "/api/gusmev/order", body: .string(json)))
/// for try await chunk in response.body { … }
/// ```
public final class UpstreamClient: Sendable {
    public let configuration: UpstreamConfiguration
    private let group: EventLoopGroup
    private let state: State

    /// Pools and TLS contexts, created on first use.
    private final class State: @unchecked Sendable {
        // @unchecked: guarded by `lock`.
        let lock = NSLock()
        var pools: [Origin: OriginPool] = [:]
        var contexts: [TLSConfiguration: TLSContext] = [:]
        var isShutDown = false
    }

    public init(configuration: UpstreamConfiguration = UpstreamConfiguration(),
                eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.state = State()
    }

    /// Sends `request` and returns when the response head has arrived. Read the body to the end to
    /// give the connection back to the pool.
    ///
    /// A pooled connection that turns out to be closed is replaced transparently; a request that
    /// was already sent is repeated only when it is idempotent and its body can be sent again.
    public func execute(_ request: UpstreamRequest) async throws(UpstreamError) -> UpstreamResponse {
        let pool = try pool(for: request.origin)
        var attempt = 0
        while true {
            attempt += 1
            let (connection, reused) = try await lease(from: pool, origin: request.origin)
            do {
                return try await connection.execute(request, reused: reused)
            } catch is UpstreamConnection.Stale {
                continue
            } catch UpstreamError.connectionClosedBeforeResponse(let origin) {
                // A kept-alive connection the origin closed just as we used it.
                guard reused, request.isReplayable, attempt < 3 else {
                    throw .connectionClosedBeforeResponse(origin: origin)
                }
            } catch let error as UpstreamError {
                throw error
            } catch {
                throw .connectionClosedBeforeResponse(origin: request.origin.description)
            }
        }
    }

    /// Closes idle connections; requests after this fail with `UpstreamError.shutDown`.
    public func shutdown() {
        let pools = state.lock.withLock { () -> [OriginPool] in
            state.isShutDown = true
            return Array(state.pools.values)
        }
        pools.forEach { $0.shutDown() }
    }

    /// Open and idle connection counts for `origin`.
    public func connectionCounts(for origin: Origin) -> (open: Int, idle: Int) {
        state.lock.withLock { state.pools[origin] }?.counts ?? (0, 0)
    }

    /// The shared TLS context for `origin`'s configuration (built once per distinct configuration).
    public func tlsContext(for origin: Origin) throws(UpstreamError) -> TLSContext {
        let configuration = self.configuration.tlsConfiguration(for: origin)
        if let existing = state.lock.withLock({ state.contexts[configuration] }) { return existing }
        let context: TLSContext
        do {
            context = try TLSContext(configuration: configuration)
        } catch {
            throw .tlsConfiguration(error)
        }
        return state.lock.withLock {
            if let raced = state.contexts[configuration] { return raced }
            state.contexts[configuration] = context
            return context
        }
    }

    private func pool(for origin: Origin) throws(UpstreamError) -> OriginPool {
        let pool = state.lock.withLock { () -> OriginPool? in
            guard !state.isShutDown else { return nil }
            if let pool = state.pools[origin] { return pool }
            let pool = OriginPool(maximum: configuration.maximumConnectionsPerOrigin)
            state.pools[origin] = pool
            return pool
        }
        guard let pool else { throw .shutDown }
        return pool
    }

    private func lease(from pool: OriginPool, origin: Origin) async throws(UpstreamError) -> (UpstreamConnection, Bool) {
        switch await pool.acquire() {
        case .reuse(let connection):
            return (connection, true)
        case .shutDown:
            throw .shutDown
        case .connect:
            do {
                return (try await open(origin, pool: pool), false)
            } catch {
                pool.closed(nil)
                throw error
            }
        }
    }

    private func open(_ origin: Origin, pool: OriginPool) async throws(UpstreamError) -> UpstreamConnection {
        let tlsContext = origin.scheme == .https ? try tlsContext(for: origin) : nil
        let connected = try await UpstreamConnector.connect(
            to: origin, tlsContext: tlsContext, proxy: configuration.proxy,
            connectTimeout: configuration.connectTimeout, group: group)
        let timeouts = HTTPExchangeHandler.Timeouts(
            responseHead: configuration.responseHeadTimeout, bodyIdle: configuration.bodyIdleTimeout,
            idleConnection: configuration.idleConnectionTimeout)
        let connection: UpstreamConnection
        do {
            connection = try await UpstreamConnection.make(from: connected, origin: origin, timeouts: timeouts) { connection in
                pool.release(connection)
            }
        } catch {
            connected.channel.close(promise: nil)
            throw .connectFailed(origin: origin.description, reason: "\(error)")
        }
        connection.channel.closeFuture.whenComplete { [weak pool] _ in pool?.closed(connection) }
        return connection
    }
}

import TLS

/// Limits, timeouts, proxy and TLS settings of an `UpstreamClient`.
public struct UpstreamConfiguration: Sendable {
    /// TCP connect timeout (and the time allowed for the proxy's `CONNECT` answer).
    public var connectTimeout: Duration = .seconds(10)
    /// Time from the end of the request to the response head.
    public var responseHeadTimeout: Duration = .seconds(60)
    /// Longest pause in the response body, or in our upload being accepted.
    public var bodyIdleTimeout: Duration = .seconds(60)
    /// Connections per origin, busy and idle together.
    public var maximumConnectionsPerOrigin: Int = 8
    /// How long an unused pooled connection is kept.
    public var idleConnectionTimeout: Duration = .seconds(30)
    /// Outbound `CONNECT` proxy for every origin, if any.
    public var proxy: HTTPProxy?
    /// TLS for `https` origins without an entry in `tlsPerOrigin` (the handshake timeout lives here).
    public var tls: TLSConfiguration = .standardClient()
    /// TLS per origin, e.g. GOST suites for EPGU and ordinary TLS for ESIA.
    public var tlsPerOrigin: [Origin: TLSConfiguration] = [:]

    public init() {}

    /// The TLS configuration used for `origin`.
    public func tlsConfiguration(for origin: Origin) -> TLSConfiguration {
        tlsPerOrigin[origin] ?? tls
    }
}

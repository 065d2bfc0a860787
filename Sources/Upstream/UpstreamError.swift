import TLS

/// Everything that can go wrong talking to an upstream, each with a message a person can act on.
public enum UpstreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The URL cannot be used.
    case invalidURL(String)
    /// TCP connect failed (refused, unreachable, name not resolved).
    case connectFailed(origin: String, reason: String)
    /// TCP connect did not finish in time.
    case connectTimeout(origin: String, after: Duration)
    /// The outbound proxy could not be used.
    case proxyFailed(proxy: String, reason: String)
    /// The proxy answered `CONNECT` with an error status.
    case proxyRefused(proxy: String, status: Int, reason: String)
    /// The proxy wants credentials (407) that were not configured or were wrong.
    case proxyAuthenticationRequired(proxy: String)
    /// TLS with the origin failed.
    case tls(origin: String, TLSError)
    /// The TLS configuration for the origin is unusable.
    case tlsConfiguration(TLSError)
    /// The request was sent but no response head came in time.
    case responseHeadTimeout(origin: String, after: Duration)
    /// The response body (or our upload) made no progress for too long.
    case bodyIdleTimeout(origin: String, after: Duration)
    /// The connection closed before a response head arrived.
    case connectionClosedBeforeResponse(origin: String)
    /// The connection closed in the middle of the response body.
    case connectionClosedMidBody(origin: String)
    /// The origin sent something that is not a valid HTTP/1.1 response.
    case malformedResponse(origin: String, reason: String)
    /// Our request body source failed or produced a different length than announced.
    case requestBodyFailed(String)
    /// The response body is larger than the caller was willing to collect.
    case responseTooLarge(limit: Int)
    /// The client was shut down.
    case shutDown

    /// A stable machine-readable code for JSON answers and metrics labels.
    public var code: String {
        switch self {
        case .invalidURL: return "upstream_invalid_url"
        case .connectFailed: return "upstream_connect_failed"
        case .connectTimeout: return "upstream_connect_timeout"
        case .proxyFailed: return "upstream_proxy_failed"
        case .proxyRefused: return "upstream_proxy_refused"
        case .proxyAuthenticationRequired: return "upstream_proxy_authentication_required"
        case .tls(_, let error): return error.code
        case .tlsConfiguration(let error): return error.code
        case .responseHeadTimeout: return "upstream_response_head_timeout"
        case .bodyIdleTimeout: return "upstream_body_idle_timeout"
        case .connectionClosedBeforeResponse: return "upstream_closed_before_response"
        case .connectionClosedMidBody: return "upstream_closed_mid_body"
        case .malformedResponse: return "upstream_malformed_response"
        case .requestBodyFailed: return "upstream_request_body_failed"
        case .responseTooLarge: return "upstream_response_too_large"
        case .shutDown: return "upstream_shut_down"
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let why):
            return "invalid URL: \(why)"
        case .connectFailed(let origin, let reason):
            return "cannot connect to \(origin): \(reason); check the address, DNS and firewall (or set a proxy)"
        case .connectTimeout(let origin, let after):
            return "connect to \(origin) timed out after \(after); the host is unreachable or filtered"
        case .proxyFailed(let proxy, let reason):
            return "proxy \(proxy) failed: \(reason)"
        case .proxyRefused(let proxy, let status, let reason):
            return "proxy \(proxy) refused CONNECT with \(status) \(reason); ask its admin to allow the origin"
        case .proxyAuthenticationRequired(let proxy):
            return "proxy \(proxy) requires authentication (407); configure or fix the proxy credentials"
        case .tls(let origin, let error):
            return "\(origin): \(error.description)"
        case .tlsConfiguration(let error):
            return error.description
        case .responseHeadTimeout(let origin, let after):
            return "\(origin) sent no response within \(after) of the request"
        case .bodyIdleTimeout(let origin, let after):
            return "\(origin): body transfer stalled for \(after)"
        case .connectionClosedBeforeResponse(let origin):
            return "\(origin) closed the connection before answering"
        case .connectionClosedMidBody(let origin):
            return "\(origin) closed the connection in the middle of the response body (response truncated)"
        case .malformedResponse(let origin, let reason):
            return "\(origin) sent an invalid HTTP response: \(reason)"
        case .requestBodyFailed(let why):
            return "request body failed: \(why)"
        case .responseTooLarge(let limit):
            return "response body exceeds the \(limit)-byte limit"
        case .shutDown:
            return "the upstream client is shut down"
        }
    }
}

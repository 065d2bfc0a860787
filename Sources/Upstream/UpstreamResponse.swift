import NIOHTTP1
import TLS

/// The head of an upstream's answer and its body, still streaming.
public struct UpstreamResponse: Sendable {
    public let status: HTTPResponseStatus
    public let headers: HTTPHeaders
    /// The body; read it to the end (or drop it, which closes the connection instead of reusing it).
    public let body: UpstreamResponseBody
    /// How the connection's TLS was set up (`nil` for plain HTTP).
    public let tls: TLSHandshakeCompleted?
    /// Whether the request went over a pooled connection that had served an earlier request.
    public let reusedConnection: Bool
}

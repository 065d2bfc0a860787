import NIOCore
import NIOHTTP1

/// One HTTP/1.1 request to an origin.
public struct UpstreamRequest: Sendable {
    public var method: HTTPMethod
    public var origin: Origin
    /// Path and query, e.g. `/api/gusmev/order?x=1`.
    public var target: String
    /// Request headers. `Host` is added when missing; framing headers (`Content-Length`,
    /// `Transfer-Encoding`) are set from `body`.
    public var headers: HTTPHeaders
    public var body: UpstreamRequestBody

    public init(method: HTTPMethod = .GET, origin: Origin, target: String = "/", headers: HTTPHeaders = [:],
                body: UpstreamRequestBody = .empty) {
        self.method = method
        self.origin = origin
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// A request for an absolute URL.
    public init(method: HTTPMethod = .GET, url: String, headers: HTTPHeaders = [:],
                body: UpstreamRequestBody = .empty) throws(UpstreamError) {
        let (origin, target) = try Origin.split(url)
        self.init(method: method, origin: origin, target: target, headers: headers, body: body)
    }

    /// Whether sending it twice cannot do harm (RFC 9110 §9.2.2) and the body can be sent again.
    var isReplayable: Bool {
        [.GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE].contains(method) && body.isReplayable
    }

    /// The head as written on the wire.
    var head: HTTPRequestHead {
        var headers = self.headers
        if !headers.contains(name: "Host") { headers.replaceOrAdd(name: "Host", value: origin.authority) }
        headers.remove(name: "Content-Length")
        headers.remove(name: "Transfer-Encoding")
        switch body.length {
        case .some(let length):
            if length > 0 || [.POST, .PUT, .PATCH].contains(method) {
                headers.add(name: "Content-Length", value: String(length))
            }
        case .none:
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        return HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
    }
}

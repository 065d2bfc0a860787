import Foundation
import HTTPTypes
import NIOCore

/// Sends one request to the EPGU origin pinned for an identity and hands back the streaming answer.
/// The production implementation runs over the `Upstream` pool and GOST TLS.
public protocol EPGUClient: Sendable {
    func execute(_ request: EPGURequest) async throws(EPGUClientError) -> EPGUResponse
}

/// A request for EPGU; its target was checked by `RequestTargetPolicy` and its headers cleaned by
/// `HeaderHygiene`.
public struct EPGURequest: Sendable {
    public var method: HTTPRequest.Method
    /// Scheme and host of the identity's environment; the client cannot change it.
    public var origin: URL
    public var pathAndQuery: String
    public var headers: HTTPFields
    public var body: EPGURequestBody

    public init(method: HTTPRequest.Method, origin: URL, pathAndQuery: String, headers: HTTPFields, body: EPGURequestBody) {
        self.method = method
        self.origin = origin
        self.pathAndQuery = pathAndQuery
        self.headers = headers
        self.body = body
    }
}

/// A stream of body bytes that is pulled, so a slow reader slows the writer (back-pressure).
public typealias ByteStream = any AsyncSequence<ByteBuffer, any Error> & Sendable

/// A request body: absent, held in memory (small, replayable), or streamed (large; sent once).
public enum EPGURequestBody: Sendable {
    case none
    case buffered(ByteBuffer)
    case stream(length: Int?, ByteStream)
}

/// EPGU's answer: the head now, the body as it arrives.
public struct EPGUResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ByteStream

    public init(status: HTTPResponse.Status, headers: HTTPFields, body: ByteStream) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why EPGU gave no answer.
public enum EPGUClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Connection, TLS or proxy failure before a response head.
    case unreachable(String)
    /// No response head in time.
    case timeout(String)
    /// The request body the gateway was streaming failed (the client stopped, or it outgrew the
    /// limit); EPGU got an aborted request, never a complete one.
    case requestBodyFailed(String)

    public var description: String {
        switch self {
        case .unreachable(let why), .timeout(let why), .requestBodyFailed(let why): return why
        }
    }
}

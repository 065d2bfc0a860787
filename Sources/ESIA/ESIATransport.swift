import Foundation

/// One HTTP exchange with ESIA. The gateway implements it with the `Upstream` client over TLS;
/// tests with a local stand. Bodies are small (forms and JSON), so they are plain `Data`.
public protocol ESIATransport: Sendable {
    /// Sends `request` and returns ESIA's answer, whatever its status; throws only when there is
    /// no answer (connection, TLS, timeout), as `ESIAError.unreachable`.
    func send(_ request: ESIARequest) async throws(ESIAError) -> ESIAResponse
}

/// A request to ESIA.
public struct ESIARequest: Sendable, Equatable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: ESIARequest, rhs: ESIARequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }
}

/// ESIA's answer.
public struct ESIAResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// First header value with this name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

import Foundation

/// An outbound HTTP proxy reached with `CONNECT` (many on-premise networks reach the internet only
/// through one). TLS runs end to end through the tunnel; the proxy sees only the host and port.
public struct HTTPProxy: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// Value of the `Proxy-Authorization` header, if the proxy wants one. Never logged.
    public let authorization: String?

    public init(host: String, port: Int, authorization: String? = nil) {
        self.host = host
        self.port = port
        self.authorization = authorization
    }

    /// A proxy with HTTP Basic credentials.
    public static func basic(host: String, port: Int, username: String, password: String) -> HTTPProxy {
        let token = Data("\(username):\(password)".utf8).base64EncodedString()
        return HTTPProxy(host: host, port: port, authorization: "Basic \(token)")
    }

    /// Parses `http://[user:password@]host:port` (the form of `https_proxy` variables).
    public init(url: String) throws(UpstreamError) {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
              let host = components.host, !host.isEmpty
        else {
            throw .invalidURL("proxy \(url) must look like http://host:port")
        }
        let port = components.port ?? 3128
        if let user = components.user {
            let password = components.password ?? ""
            self = .basic(host: host, port: port, username: user.removingPercentEncoding ?? user,
                          password: password.removingPercentEncoding ?? password)
        } else {
            self.init(host: host, port: port)
        }
    }

    /// `http://host:port`, without credentials.
    public var description: String { "http://\(host):\(port)" }
}

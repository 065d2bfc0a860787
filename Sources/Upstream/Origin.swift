import Foundation

/// Scheme, host and port of an upstream (ESIA, EPGU): the unit of pooling, TLS settings and
/// session resumption.
public struct Origin: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`.
    public enum Scheme: String, Hashable, Sendable {
        case http
        case https

        /// 80 or 443.
        public var defaultPort: Int { self == .https ? 443 : 80 }
    }

    public let scheme: Scheme
    /// Host name or IP literal (IPv6 without brackets).
    public let host: String
    public let port: Int

    public init(scheme: Scheme, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port ?? scheme.defaultPort
    }

    /// The origin of an absolute `http`/`https` URL and the request target (path and query) in it.
    /// - Throws: `UpstreamError.invalidURL` for anything else.
    public static func split(_ url: String) throws(UpstreamError) -> (origin: Origin, target: String) {
        guard let components = URLComponents(string: url),
              let schemeText = components.scheme?.lowercased(), let scheme = Scheme(rawValue: schemeText),
              let host = components.host, !host.isEmpty
        else {
            throw .invalidURL("\(url) is not an absolute http:// or https:// URL")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw .invalidURL("\(url) has port \(port), outside 1…65535")
        }
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        return (Origin(scheme: scheme, host: bareHost, port: components.port), target)
    }

    /// `host` or `host:port` (port only when not the default), IPv6 in brackets: the `Host` header.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    /// `host:port` always, as used in `CONNECT` and as the session-cache key.
    var hostAndPort: String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }

    public var description: String { "\(scheme.rawValue)://\(authority)" }
}

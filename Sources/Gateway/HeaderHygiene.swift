import Foundation
import HTTPTypes

/// Turns a client's request headers into the headers sent to EPGU, and EPGU's response headers into
/// those returned to the client (RFC 9110 §7.6.1; research/gateway-anchors.md §8.1 item 4).
public enum HeaderHygiene {
    /// Header an internal system may use for its gateway key instead of `Authorization: Bearer gg_…`.
    public static let gatewayKeyHeader = HTTPField.Name("X-Gosgate-Key")!
    /// Marks every answer the gateway produced itself, so it is never mistaken for EPGU's.
    public static let localAnswerHeader = HTTPField.Name("X-Gosgate-Error")!
    static let requestID = HTTPField.Name("X-Request-ID")!
    static let traceparent = HTTPField.Name("traceparent")!
    static let tracestate = HTTPField.Name("tracestate")!

    /// Connection-specific headers that never cross a proxy.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade",
    ]

    /// Headers the gateway owns: the client's values are dropped and the gateway's set.
    static let owned: Set<String> = ["authorization", "x-gosgate-key", "host", "x-forwarded-for", "x-forwarded-host",
                                     "x-forwarded-proto", "x-forwarded-port", "forwarded", "x-real-ip",
                                     "x-request-id", "content-length", "expect"]

    /// Headers for the upstream request.
    ///
    /// - Parameters:
    ///   - requestID: the sanitised or generated request ID.
    ///   - bearer: the ESIA token, or nil for public routes (dictionaries).
    /// `Host` is not among them: the caller sets the request's authority to the pinned EPGU origin.
    public static func upstreamRequestHeaders(from client: HTTPFields, requestID: String, bearer: String?) -> HTTPFields {
        let named = connectionNamed(client)
        var result = HTTPFields()
        for field in client {
            let name = field.name.canonicalName
            if hopByHop.contains(name) || owned.contains(name) || named.contains(name) { continue }
            if name == "traceparent", !isValidTraceparent(field.value) { continue }
            result.append(field)
        }
        result[Self.requestID] = requestID
        if let bearer { result[.authorization] = "Bearer \(bearer)" }
        return result
    }

    /// Headers for the response to the client: EPGU's, minus hop-by-hop ones.
    public static func clientResponseHeaders(from upstream: HTTPFields, requestID: String) -> HTTPFields {
        let named = connectionNamed(upstream)
        var result = HTTPFields()
        for field in upstream {
            let name = field.name.canonicalName
            if hopByHop.contains(name) || named.contains(name) || name == "x-request-id" { continue }
            result.append(field)
        }
        result[Self.requestID] = requestID
        return result
    }

    /// The client's `X-Request-ID` if it is sane (1–128 visible ASCII characters from a safe set),
    /// otherwise a new random one.
    public static func requestID(from client: HTTPFields) -> String {
        if let supplied = client[Self.requestID], (1...128).contains(supplied.utf8.count),
           supplied.utf8.allSatisfy({ byte in
               (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                   || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-_.:".utf8.contains(byte)
           }) {
            return supplied
        }
        return UUID().uuidString.lowercased()
    }

    /// The gateway key a client presented, from `X-Gosgate-Key` or `Authorization: Bearer gg_…`.
    public static func presentedGatewayKey(in client: HTTPFields) -> String? {
        if let key = client[gatewayKeyHeader] { return key.trimmingCharacters(in: .whitespaces) }
        if let authorization = client[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Names listed in `Connection` (they are hop-by-hop for this message).
    private static func connectionNamed(_ fields: HTTPFields) -> Set<String> {
        Set(fields[values: .connection].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    /// W3C trace context: `00-<32 hex>-<16 hex>-<2 hex>`.
    private static func isValidTraceparent(_ value: String) -> Bool {
        let parts = value.split(separator: "-")
        guard parts.count == 4, parts.map(\.count) == [2, 32, 16, 2] else { return false }
        return parts.allSatisfy { $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
    }
}

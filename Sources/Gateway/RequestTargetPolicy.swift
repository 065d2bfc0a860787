/// Accepts only plain origin-form request targets, so no request can steer the gateway off the
/// EPGU origin pinned by the identity's environment (SSRF) or past the route allow-list.
public enum RequestTargetPolicy {
    /// A target that passed: the path (still percent-encoded, forwarded byte for byte) and the query.
    public struct Target: Sendable, Equatable {
        public let path: String
        public let query: String?

        /// Path and query as sent upstream.
        public var pathAndQuery: String { query.map { "\(path)?\($0)" } ?? path }
    }

    /// Why a target was refused (each becomes a local 400 with this text).
    public enum Violation: Error, Sendable, Equatable, CustomStringConvertible {
        case notOriginForm
        case dotSegment
        case encodedSeparator
        case forbiddenCharacter
        case emptySegment
        case tooLong

        public var description: String {
            switch self {
            case .notOriginForm: return "the request target must be a path such as /api/gusmev/order, not a URL"
            case .dotSegment: return "the path must not contain . or .. segments"
            case .encodedSeparator: return "the path must not contain encoded slashes, backslashes, dots or NUL"
            case .forbiddenCharacter: return "the request target contains a character that is not allowed"
            case .emptySegment: return "the path must not contain empty segments (//)"
            case .tooLong: return "the request target is longer than 8 KiB"
            }
        }
    }

    /// Checks a raw request target as received on the wire.
    public static func check(_ raw: String) throws(Violation) -> Target {
        guard raw.utf8.count <= 8192 else { throw .tooLong }
        guard raw.hasPrefix("/"), !raw.hasPrefix("//") else { throw .notOriginForm }
        let parts = raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        let query = parts.count > 1 ? String(parts[1]) : nil
        for byte in raw.utf8 where byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "#") {
            throw .forbiddenCharacter
        }
        let lowered = path.lowercased()
        for encoded in ["%2f", "%5c", "%2e", "%00"] where lowered.contains(encoded) {
            throw .encodedSeparator
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            if segment == "." || segment == ".." { throw .dotSegment }
            if segment.isEmpty && index != segments.count - 1 { throw .emptySegment }
        }
        return Target(path: path, query: query)
    }

    /// Accepts a `Host` header that is a plain host name or address with an optional port.
    public static func isAcceptableHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 255 else { return false }
        return host.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"),
                 UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
                return true
            default:
                return false
            }
        }
    }
}

/// A route's path such as `/api/gusmev/order/{orderId}`: literal segments and `{name}`
/// placeholders, each placeholder matching one non-empty segment. The gateway's EPGU routes and the
/// admin API's routes are both written this way.
public struct PathPattern: Sendable, Hashable {
    /// The segments, `{name}` for a placeholder.
    public let segments: [String]
    /// How many segments are placeholders (literal routes are tried first).
    public let placeholderCount: Int

    public init(_ path: String) {
        segments = path.split(separator: "/").map(String.init)
        placeholderCount = segments.filter { $0.hasPrefix("{") }.count
    }

    /// The placeholders' values when `actual` (a path split on `/`) fits this pattern.
    public func bind(_ actual: [String]) -> [String: String]? {
        guard actual.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (expected, segment) in zip(segments, actual) {
            if expected.hasPrefix("{") {
                guard !segment.isEmpty else { return nil }
                parameters[String(expected.dropFirst().dropLast())] = segment
            } else if expected != segment {
                return nil
            }
        }
        return parameters
    }
}

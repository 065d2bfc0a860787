/// Finds the EPGU route for a request path, or says why there is none.
public struct RouteTable: Sendable {
    /// The outcome of matching a request.
    public enum Match: Sendable, Equatable {
        case route(EPGURoute, parameters: [String: String])
        /// The path is an EPGU endpoint, but not with this method.
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private let routes: [EPGURoute]

    public init(routes: [EPGURoute] = EPGURoute.all) {
        self.routes = routes
    }

    /// Matches a normalised path (see `RequestTargetPolicy`). One trailing slash is accepted, since
    /// EPGU's own examples differ on it (research §4.2 notes).
    public func match(method: String, path: String) -> Match {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if segments.last == "" { segments.removeLast() }
        var allowed: [String] = []
        // Literal segments win over parameters: `/order/getOrdersStatus` is not `/order/{orderId}`.
        let candidates = routes.filter { $0.pattern.count == segments.count }
            .sorted { $0.pattern.filter { $0.hasPrefix("{") }.count < $1.pattern.filter { $0.hasPrefix("{") }.count }
        for route in candidates {
            guard let parameters = Self.bind(route.pattern, to: segments) else { continue }
            if route.method == method { return .route(route, parameters: parameters) }
            allowed.append(route.method)
            // A literal match decides the resource; do not fall through to a parameter route.
            if !route.pattern.contains(where: { $0.hasPrefix("{") }) { break }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func bind(_ pattern: [String], to segments: [String]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (expected, actual) in zip(pattern, segments) {
            if expected.hasPrefix("{") {
                guard !actual.isEmpty else { return nil }
                parameters[String(expected.dropFirst().dropLast())] = actual
            } else if expected != actual {
                return nil
            }
        }
        return parameters
    }
}

/// Finds the EPGU route for a request path, or says why there is none.
public struct RouteTable: Sendable {
    /// The outcome of matching a request.
    public enum Match: Sendable, Equatable {
        case route(EPGURoute, parameters: [String: String])
        /// The path is an EPGU endpoint, but not with this method.
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    /// Literal routes before ones with placeholders: `/order/getOrdersStatus` is not `/order/{orderId}`.
    private let routes: [EPGURoute]

    public init(routes: [EPGURoute] = EPGURoute.all) {
        self.routes = routes.enumerated()
            .sorted { ($0.element.pattern.placeholderCount, $0.offset) < ($1.element.pattern.placeholderCount, $1.offset) }
            .map(\.element)
    }

    /// Matches a normalised path (see `RequestTargetPolicy`). One trailing slash is accepted, since
    /// EPGU's own examples differ on it (research §4.2 notes).
    public func match(method: String, path: String) -> Match {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if segments.last == "" { segments.removeLast() }
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.pattern.bind(segments) else { continue }
            if route.method == method { return .route(route, parameters: parameters) }
            allowed.append(route.method)
            // A literal match decides the resource; do not fall through to a parameter route.
            if route.pattern.placeholderCount == 0 { break }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}

/// The body of `POST /v1/clients`: a new internal client and what it may do.
public struct ClientSpec: Codable, Sendable, Equatable {
    public var name: String
    public var defaultIdentity: String?
    public var allowedIdentities: [String]?
    /// EPGU route names (`order.create`, `orders.status`…) or `*`; all routes when absent.
    public var allowedRoutes: [String]?
    /// CIDR blocks; any address when absent.
    public var ipAllow: [String]?
    public var ratePerMinute: Int?

    public init(name: String, defaultIdentity: String? = nil, allowedIdentities: [String]? = nil,
                allowedRoutes: [String]? = nil, ipAllow: [String]? = nil, ratePerMinute: Int? = nil) {
        self.name = name
        self.defaultIdentity = defaultIdentity
        self.allowedIdentities = allowedIdentities
        self.allowedRoutes = allowedRoutes
        self.ipAllow = ipAllow
        self.ratePerMinute = ratePerMinute
    }
}

/// One documented EPGU API endpoint (research/esia-epgu-protocol.md §4.2) and how the gateway treats it.
public struct EPGURoute: Sendable, Hashable {
    /// Stable name used in client permissions, metrics and the audit log.
    public let name: String
    /// The HTTP method EPGU documents.
    public let method: String
    /// The path; `{name}` matches one non-empty segment.
    public let pattern: PathPattern
    /// Whether a Bearer token must be injected (dictionaries are public).
    public let needsToken: Bool
    /// Whether the call may be sent again after an EPGU 401 (reads are; order creation and pushes
    /// never are: a duplicate order is the worst outcome).
    public let safeToReplay: Bool
    /// Whether the call creates an order (counts against 20 orders per service per user per 10 minutes).
    public let createsOrder: Bool

    init(_ name: String, _ method: String, _ path: String, token: Bool = true, replay: Bool, createsOrder: Bool = false) {
        self.name = name
        self.method = method
        self.pattern = PathPattern(path)
        self.needsToken = token
        self.safeToReplay = replay
        self.createsOrder = createsOrder
    }

    /// The endpoints gosgate forwards; anything else is answered locally with 404.
    public static let all: [EPGURoute] = [
        EPGURoute("order.create", "POST", "/api/gusmev/order", replay: false, createsOrder: true),
        EPGURoute("order.push", "POST", "/api/gusmev/push", replay: false, createsOrder: true),
        EPGURoute("order.push_chunked", "POST", "/api/gusmev/push/chunked", replay: false),
        EPGURoute("orders.status", "GET", "/api/gusmev/order/getOrdersStatus", replay: true),
        EPGURoute("orders.updated_after", "GET", "/api/gusmev/order/getUpdatedAfter", replay: true),
        EPGURoute("order.details", "POST", "/api/gusmev/order/{orderId}", replay: true),
        EPGURoute("order.cancel", "POST", "/api/gusmev/order/{orderId}/cancel", replay: false),
        EPGURoute("dictionary", "POST", "/api/nsi/v1/dictionary/{code}", token: false, replay: true),
        EPGURoute("file.download_v2", "GET", "/api/storage/v2/files/{objectId}/{objectType}/download", replay: true),
        EPGURoute("file.download", "GET", "/api/gusmev/files/download/{objectId}/{objectType}", replay: true),
    ]
}

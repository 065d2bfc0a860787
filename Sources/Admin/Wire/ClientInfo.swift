import Foundation

/// One internal client (schema `client.json`). The key itself is never shown again; `key_id` is
/// its public half (`gg_<key_id>_…`), enough to tell which key a system holds.
public struct ClientInfo: Codable, Sendable, Equatable {
    public let name: String
    public let keyId: String
    public let defaultIdentity: String?
    public let allowedIdentities: [String]
    public let allowedRoutes: [String]
    public let ipAllow: [String]
    public let ratePerMinute: Int?
    public let createdAt: Date
    public let revokedAt: Date?
    public let revoked: Bool
}

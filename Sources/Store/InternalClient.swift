import Foundation
import GRDB

/// An internal information system allowed to call the gateway with its own gateway API key.
public struct InternalClient: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "client"

    public var id: Int64?
    public var name: String
    /// Public half of the key (`gg_<keyID>_<secret>`): finds the row without touching the secret.
    public var keyID: String
    /// Streebog-256 of the secret half; the secret itself is shown once and never stored.
    public var keyHash: Data
    public var defaultIdentityID: Int64?
    /// Identity names this client may pick per request, JSON array.
    public var allowedIdentities: String
    /// Route names (or `*`), JSON array.
    public var allowedRoutes: String
    /// CIDR blocks, JSON array; empty means any address.
    public var ipAllow: String
    public var ratePerMinute: Int?
    public var createdAt: Date
    public var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name
        case keyID = "key_id"
        case keyHash = "key_hash"
        case defaultIdentityID = "default_identity_id"
        case allowedIdentities = "allowed_identities"
        case allowedRoutes = "allowed_routes"
        case ipAllow = "ip_allow"
        case ratePerMinute = "rate_per_minute"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    public var isRevoked: Bool { revokedAt != nil }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

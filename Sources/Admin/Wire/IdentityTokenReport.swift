import Foundation

/// One identity's ESIA token, as its token manager holds it (no token material, ever).
public struct IdentityTokenReport: Codable, Sendable, Equatable {
    public let name: String
    public let environment: String
    /// `fresh`, `stale` (still served; a refresh runs), `invalid` (none to serve) or `not_loaded`
    /// (stored, but its environment is missing from the configuration).
    public let state: String
    public let expiresAt: Date?
    /// Seconds until the token's `exp`; negative never appears (such a token is not held).
    public let expiresInSeconds: Int?
    /// Why there is no valid token: the stable code and a sentence.
    public let code: String?
    public let reason: String?
    /// True when automatic attempts stopped until a person acts (PIN, ESIA refusal).
    public let waitingForPerson: Bool
}

import Foundation

/// One identity (schema `identity.json`). The API-KEY is shown masked: first and last four characters.
public struct IdentityInfo: Codable, Sendable, Equatable {
    public let name: String
    public let environment: String
    /// `api_key` or `oauth`.
    public let flow: String
    public let apiKey: String?
    public let clientId: String?
    public let scopes: String
    public let signer: String
    public let createdAt: Date
    public let updatedAt: Date
    /// The token manager's view; nil when the identity is not loaded.
    public let token: IdentityTokenReport?
}

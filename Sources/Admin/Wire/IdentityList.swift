/// `GET /v1/identities` (schema `identity-list.json`).
public struct IdentityList: Codable, Sendable, Equatable {
    public let identities: [IdentityInfo]
}

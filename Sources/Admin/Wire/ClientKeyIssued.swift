/// `client add` and `client rotate`: the client and its new key, shown this once (schema `client-key.json`).
public struct ClientKeyIssued: Codable, Sendable, Equatable {
    public let client: ClientInfo
    /// `gg_<key_id>_<secret>`: hand it to the internal system now; only its hash is kept.
    public let key: String
}

/// An API-KEY as created in ЛК ИЭП: it lets one employee obtain tokens for one vendor system.
public struct StandAPIKey: Codable, Sendable, Equatable {
    /// The key itself (a UUID). A secret: never logged.
    public var key: String
    /// The employee's ESIA OID, the `urn:esia:sbj_id` of the tokens.
    public var userOID: Int64
    /// The vendor system's mnemonic, the `client_id` of the tokens.
    public var clientID: String
    /// A revoked key answers like an unknown one.
    public var active: Bool

    public init(key: String, userOID: Int64, clientID: String, active: Bool = true) {
        self.key = key
        self.userOID = userOID
        self.clientID = clientID
        self.active = active
    }

    private enum CodingKeys: String, CodingKey {
        case key, userOID, clientID, active
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        userOID = try container.decode(Int64.self, forKey: .userOID)
        clientID = try container.decode(String.self, forKey: .clientID)
        active = try container.decode(.active, default: true)
    }
}

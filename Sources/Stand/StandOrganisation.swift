/// An organisation known to the emulated ESIA, with the API-KEYs issued to its employees.
public struct StandOrganisation: Codable, Sendable, Equatable {
    /// Display name.
    public var name: String
    /// The organisation's ESIA OID (`org_oid`).
    public var oid: Int64
    /// ОГРН.
    public var ogrn: String
    /// ИНН.
    public var inn: String
    /// PEM certificates allowed to sign API-KEYs of this organisation.
    public var certificates: [String]
    /// Further allowed certificates by `client_certificate_hash` (Streebog-256 of the DER, hex), for
    /// certificates that live only on a token.
    public var certificateHashes: [String]
    /// API-KEYs issued to employees.
    public var apiKeys: [StandAPIKey]

    public init(name: String, oid: Int64, ogrn: String, inn: String, certificates: [String],
                certificateHashes: [String] = [], apiKeys: [StandAPIKey]) {
        self.name = name
        self.oid = oid
        self.ogrn = ogrn
        self.inn = inn
        self.certificates = certificates
        self.certificateHashes = certificateHashes
        self.apiKeys = apiKeys
    }

    private enum CodingKeys: String, CodingKey {
        case name, oid, ogrn, inn, certificates, certificateHashes, apiKeys
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        oid = try container.decode(Int64.self, forKey: .oid)
        ogrn = try container.decode(.ogrn, default: "")
        inn = try container.decode(.inn, default: "")
        certificates = try container.decode(.certificates, default: [])
        certificateHashes = try container.decode(.certificateHashes, default: [])
        apiKeys = try container.decode(.apiKeys, default: [])
    }
}

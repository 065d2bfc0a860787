import Foundation
import GRDB

/// The ESIA principal the gateway acts as: which API-KEY (or OAuth client) and which signer.
public struct Identity: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "identity"

    /// How the identity obtains ESIA access tokens (DESIGN.md, flows 1 and 2).
    public enum Flow: String, Sendable, Codable, CaseIterable {
        case apiKey = "api_key"
        case oauth
    }

    public var id: Int64?
    public var name: String
    /// Name of an `environments.<name>` section of the configuration.
    public var environment: String
    public var flow: Flow
    /// The ЛК ИЭП API-KEY (a secret: never logged; shown masked).
    public var apiKey: String?
    /// ESIA client_id (IS mnemonic) for the OAuth flow.
    public var clientID: String?
    public var scopes: String
    /// Which configured signer (token key) signs for this identity.
    public var signer: String
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, environment, flow, scopes, signer
        case apiKey = "api_key"
        case clientID = "client_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(name: String, environment: String, flow: Flow, apiKey: String? = nil, clientID: String? = nil,
                scopes: String = "", signer: String = "default", now: Date = Date()) {
        self.name = name
        self.environment = environment
        self.flow = flow
        self.apiKey = apiKey
        self.clientID = clientID
        self.scopes = scopes
        self.signer = signer
        self.createdAt = now
        self.updatedAt = now
    }

    /// The API-KEY as an operator may see it: first 4 and last 4 characters.
    public var maskedAPIKey: String? {
        guard let apiKey else { return nil }
        guard apiKey.count > 12 else { return String(repeating: "•", count: apiKey.count) }
        return "\(apiKey.prefix(4))…\(apiKey.suffix(4))"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

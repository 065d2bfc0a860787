/// The body of `POST /v1/identities`: a new identity. The API-KEY travels only here, over the
/// local socket, and is stored; it is never echoed back unmasked.
public struct IdentitySpec: Codable, Sendable, Equatable {
    public var name: String
    public var environment: String
    /// `api_key` or `oauth`.
    public var flow: String
    public var apiKey: String?
    public var clientId: String?
    public var scopes: String?
    public var signer: String?

    public init(name: String, environment: String, flow: String, apiKey: String? = nil, clientId: String? = nil,
                scopes: String? = nil, signer: String? = nil) {
        self.name = name
        self.environment = environment
        self.flow = flow
        self.apiKey = apiKey
        self.clientId = clientId
        self.scopes = scopes
        self.signer = signer
    }
}

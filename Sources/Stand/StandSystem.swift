/// An information system registered on the (emulated) ESIA technological portal.
public struct StandSystem: Codable, Sendable, Equatable {
    /// The mnemonic, ESIA's `client_id`.
    public var clientID: String
    /// The system's own OID, the `urn:esia:sbj_id` of tokens it obtains for organisation scopes.
    public var subjectOID: Int64
    /// PEM certificates registered for the system (OAuth `client_certificate_hash` picks one).
    public var certificates: [String]
    /// Scopes the system may request with `client_credentials`; nil allows any.
    public var allowedScopes: [String]?

    public init(clientID: String, subjectOID: Int64, certificates: [String], allowedScopes: [String]? = nil) {
        self.clientID = clientID
        self.subjectOID = subjectOID
        self.certificates = certificates
        self.allowedScopes = allowedScopes
    }
}

/// What an issued access token says about its holder.
struct TokenClaims: Sendable, Equatable {
    /// The system's mnemonic (`client_id`).
    var clientID: String
    /// The subject's OID (`urn:esia:sbj_id`): the employee, the citizen, or the system itself.
    var subjectOID: Int64
    /// Granted scopes, space-separated in the token.
    var scopes: [String]
    /// The organisation's OID for organisation tokens (`org_oid`).
    var organisationOID: Int64?
}

import Foundation

/// Who is calling the EPGU API, as read from a valid bearer token.
struct EPGUCaller: Sendable, Equatable {
    /// The system's mnemonic (`client_id`); per-system limits count by it.
    let clientID: String
    /// The user's OID (`urn:esia:sbj_id`); orders belong to it.
    let userOID: Int64
}

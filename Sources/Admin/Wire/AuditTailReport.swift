/// `GET /v1/audit`: the newest records, or those after `after` (schema `audit-tail.json`).
public struct AuditTailReport: Codable, Sendable, Equatable {
    public let records: [AuditEntryReport]
    /// The chain's head when the answer was made: continue with `after=<head_seq>`.
    public let headSeq: Int64
    public let headHash: String
}

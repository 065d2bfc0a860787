/// The audit chain's length and head (part of `status`).
public struct AuditHeadReport: Codable, Sendable, Equatable {
    /// Number of records (sequence numbers are contiguous from 1).
    public let length: Int64
    /// Lowercase hex hash of the newest record: compare it with an export's trailer.
    public let headHash: String
    /// Whether the last write succeeded.
    public let writable: Bool
    public let failure: String?
}

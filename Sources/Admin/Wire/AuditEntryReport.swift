import Foundation

/// One audit record as the API shows it (in `audit-tail.json`).
public struct AuditEntryReport: Codable, Sendable, Equatable {
    public let seq: Int64
    public let at: Date
    /// `proxy`, `admin`, `token` or `system`.
    public let kind: String
    public let actor: String
    public let subject: String
    public let detail: [String: String]
    /// Lowercase hex.
    public let hash: String
}

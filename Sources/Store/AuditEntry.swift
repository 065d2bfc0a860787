import Foundation

/// An event to append to the audit chain: what `GatewayStore.appendAudit(_:)` turns into an
/// `AuditRecord` once it knows the record's place in the chain.
public struct AuditEntry: Sendable, Equatable {
    public let kind: AuditRecord.Kind
    public let actor: String
    public let subject: String
    /// Never a secret: the values end up in the log as they are.
    public let detail: [String: String]
    public let at: Date

    public init(kind: AuditRecord.Kind, actor: String, subject: String = "", detail: [String: String] = [:],
                at: Date = Date()) {
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.detail = detail
        self.at = at
    }
}

import Foundation

/// `GET /v1/status`: everything an admin checks first, on one screen (schema `status.json`).
public struct StatusReport: Codable, Sendable, Equatable {
    public let version: String
    public let startedAt: Date
    public let uptimeSeconds: Int
    /// Readiness as `/readyz` reports it, with the reasons when not ready.
    public let ready: Bool
    public let reasons: [String]
    public let token: TokenReport
    public let identities: [IdentityTokenReport]
    public let upstreams: [UpstreamReport]
    public let quota: QuotaReport
    public let audit: AuditHeadReport
}

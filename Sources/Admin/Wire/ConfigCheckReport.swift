/// `GET /v1/config/check` and `gosgatectl config check FILE` (schema `config-check.json`).
public struct ConfigCheckReport: Codable, Sendable, Equatable {
    public let path: String
    public let valid: Bool
    public let issues: [ConfigurationIssueInfo]
    /// Settings that differ from the running configuration and take effect only after a restart
    /// (empty when checked offline).
    public let restartRequired: [String]
}

/// The body of every refused or failed call (schema `error.json`).
public struct AdminErrorBody: Codable, Sendable, Equatable {
    /// Stable machine code: `tier_required`, `not_found`, `config_invalid`...
    public let code: String
    /// What happened and what to do, for a person.
    public let message: String
    /// With `tier_required`: the tier the call needs.
    public let requiredTier: AdminTier?
    /// With `config_invalid`: every problem in the file.
    public let issues: [ConfigurationIssueInfo]?
}

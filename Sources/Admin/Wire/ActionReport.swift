/// The answer to a call that changes something and has nothing else to show (schema `action.json`).
public struct ActionReport: Codable, Sendable, Equatable {
    public let ok: Bool
    /// What was done, for a person.
    public let message: String
}

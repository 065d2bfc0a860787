/// `POST /v1/identities/{name}/test`: a token obtained now, step by step (schema `identity-test.json`).
public struct IdentityTestReport: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        /// `identity`, `signer`, `esia`, `manager`.
        public let name: String
        public let ok: Bool
        public let code: String?
        public let detail: String
        public let milliseconds: Int
    }

    public let identity: String
    /// True when every step passed.
    public let ok: Bool
    public let steps: [Step]
}

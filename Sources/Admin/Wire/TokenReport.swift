import Foundation

/// The signing token (schema `token.json`; also part of `status`). Never the PIN.
public struct TokenReport: Codable, Sendable, Equatable {
    /// A PC/SC reader and what sits in it.
    public struct Reader: Codable, Sendable, Equatable {
        public let name: String
        public let cardPresent: Bool
        public let cardName: String?
    }

    /// `pkcs11`, `pcsc` or `file`.
    public let driver: String
    /// Whether the signer has been opened (certificate found); false until the first use works.
    public let opened: Bool
    /// Whether the token answered the last time the signer looked.
    public let present: Bool
    public let loggedIn: Bool
    /// `none`, `held`, `accepted`, `rejected`, `locked`, `not-needed`, or `unknown` before opening.
    public let pinState: String
    /// Exact retries left when the token reports them.
    public let pinRetriesLeft: Int?
    /// The counter as a sentence (`3 retries left`, `1 retry left (final try)`...).
    public let pinCounter: String?
    public let reader: String?
    public let label: String?
    public let serial: String?
    public let model: String?
    public let certificateSubject: String?
    public let certificateNotAfter: Date?
    public let signatures: Int
    public let warnings: [String]
    /// The last failure: stable code and message.
    public let lastErrorCode: String?
    public let lastError: String?
    /// PC/SC readers right now (pkcs11 and pcsc drivers); nil when pcscd was not asked.
    public let readers: [Reader]?
    /// Why the readers could not be listed.
    public let readersError: String?
}

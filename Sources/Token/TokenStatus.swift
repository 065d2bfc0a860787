import Foundation

/// What the signer knows about its token, for `gosgatectl`, health checks and logs. Never holds the PIN.
public struct TokenStatus: Sendable, Hashable, Codable {
    /// Where the PIN stands.
    public enum PINState: String, Sendable, Hashable, Codable {
        /// No PIN handed over.
        case none
        /// A PIN is held but the token has not accepted it yet.
        case held
        /// The token accepted the held PIN.
        case accepted
        /// The token rejected the last PIN; waiting for a person.
        case rejected
        /// The token's PIN is blocked.
        case locked
        /// The driver needs no PIN (software key).
        case notNeeded = "not-needed"
    }

    public var driver: TokenDriverKind
    /// Whether the token answered the last time the signer looked.
    public var present: Bool
    public var identity: TokenIdentity?
    public var loggedIn: Bool
    public var pin: PINState
    public var pinCounter: PINCounter?
    public var certificateSubject: String
    public var certificateSerial: String
    public var certificateNotBefore: Date
    public var certificateNotAfter: Date
    /// Signatures made since the signer opened.
    public var signatures: Int
    /// Things an operator must know (a software key, an expiring certificate).
    public var warnings: [String]
    /// The last failure, as shown to a person.
    public var lastError: String?
}

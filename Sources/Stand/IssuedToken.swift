import Foundation

/// An access token as handed out, with its session id and lifetime.
struct IssuedToken: Sendable {
    /// The compact JWT.
    let jwt: String
    let issuedAt: Date
    let expiresAt: Date

    /// Seconds of life left at issue, for `expires_in`.
    var lifetimeSeconds: Int { Int(expiresAt.timeIntervalSince(issuedAt).rounded()) }
}

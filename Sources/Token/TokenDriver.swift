import Foundation
import GOST

/// The result of one login attempt.
enum LoginOutcome: Equatable {
    case accepted
    /// The token rejected the PIN; the counter after the attempt.
    case rejected(PINCounter)
    case locked
}

/// The device-specific half of a signer: the `pkcs11`, `pcsc` and `file` drivers.
///
/// Drivers are synchronous and not thread-safe: `TokenSigner` calls them from one serial queue,
/// one operation at a time, and owns every policy decision (when to log in, with which PIN).
protocol TokenDriver: AnyObject {
    var kind: TokenDriverKind { get }

    /// Makes sure the token is reachable, waiting for it until `deadline`; cheap when already connected.
    func connect(until deadline: ContinuousClock.Instant) throws(TokenError) -> TokenIdentity

    /// Whether signing needs a PIN at all.
    var needsLogin: Bool { get }

    /// Whether the token is logged in right now, as far as the driver knows.
    var isLoggedIn: Bool { get }

    /// Reads the PIN retry state without spending an attempt.
    func pinCounter() throws(TokenError) -> PINCounter

    /// One login attempt with `pin`. Never retries.
    func login(_ pin: TokenPIN) throws(TokenError) -> LoginOutcome

    /// How many signing commands (PSO:CDS, C_Sign) this driver has sent: lets the signer tell a
    /// token that vanished before a request touched it from one pulled mid-signature.
    var signingCommandsSent: Int { get }

    /// Signs a digest; returns `s‖r` (each half big-endian).
    func sign(digest: Data) throws(TokenError) -> Data

    /// Signs a whole message with hashing on the token, when the token offers it; nil otherwise.
    func sign(message: Data) throws(TokenError) -> Data?

    /// The certificate stored with the key on the token, or nil when the token exposes none.
    func readCertificate() throws(TokenError) -> GOSTCertificate?

    /// Logs out of the token (best effort).
    func logout()

    /// Drops the connection or session (after removal, on shutdown).
    func disconnect()
}

extension ContinuousClock.Instant {
    /// Time left until this instant, never negative.
    var remaining: Duration { max(.zero, self - .now) }
}

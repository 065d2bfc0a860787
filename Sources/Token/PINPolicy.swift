/// Decides whether a PIN may be tried, so that no automatic loop can ever block the token.
///
/// The rules (issue 4, DESIGN.md "never retried after a failure"):
/// - a PIN comes from a person (admin at run time) or a systemd credential, and lives only in memory;
/// - a PIN that was never accepted is tried once; if the token rejects it, it is wiped and nothing is
///   tried again until a person hands over a new one;
/// - with one attempt left, an untried PIN is refused unless the person marked it as forced;
/// - a blocked token is never sent a PIN;
/// - after removal, a PIN is kept only if the token accepted it, and only for the same token (serial);
///   logout and shutdown wipe it.
struct PINPolicy {
    /// Where the policy stands, for status reports.
    enum Phase: Equatable, Sendable {
        /// No PIN has been handed over.
        case noPIN
        /// A PIN is held that the token has not yet accepted.
        case untried
        /// The token accepted the held PIN.
        case accepted
        /// The token rejected the last PIN; waiting for a person.
        case rejected(PINCounter)
        /// The token reported its PIN blocked.
        case locked
    }

    private(set) var phase: Phase = .noPIN
    private var pin: TokenPIN?
    private var forceFinalTry = false
    /// Serial of the token that accepted the held PIN.
    private var acceptedBy: String?


    /// A person (or a credential) hands over a PIN; it replaces any held one.
    mutating func provide(_ newPIN: TokenPIN, forceFinalTry force: Bool) {
        if let pin, pin !== newPIN { pin.wipe() }
        pin = newPIN
        forceFinalTry = force
        acceptedBy = nil
        phase = .untried
    }

    /// The PIN to log in with on the token `serial` whose counter reads `counter`, or the reason not to try.
    func pinForLogin(tokenSerial serial: String?, counter: PINCounter) throws(TokenError) -> TokenPIN {
        if counter.isLocked || phase == .locked { throw .pinLocked }
        guard let pin, !pin.isWiped else {
            if case .rejected(let last) = phase { throw .pinRejectedEarlier(last) }
            throw .pinRequired
        }
        switch phase {
        case .accepted where acceptedBy == serial:
            return pin
        case .accepted, .untried:
            if counter.isFinalTry && !forceFinalTry { throw .pinFinalTryRefused }
            return pin
        case .rejected(let last):
            throw .pinRejectedEarlier(last)
        case .noPIN, .locked:
            throw .pinRequired
        }
    }

    /// The token `serial` accepted the PIN.
    mutating func loginSucceeded(tokenSerial serial: String?) {
        phase = .accepted
        acceptedBy = serial
        forceFinalTry = false
    }

    /// The token rejected the PIN: wipe it and stop until a person acts.
    mutating func loginRejected(counter: PINCounter) {
        wipe()
        phase = counter.isLocked ? .locked : .rejected(counter)
    }

    /// The token reported its PIN blocked.
    mutating func tokenLocked() {
        wipe()
        phase = .locked
    }

    /// The token went away: an accepted PIN stays for its own token's return, anything else is wiped.
    mutating func tokenRemoved() {
        if phase == .untried {
            wipe()
            phase = .noPIN
        }
    }

    /// A token appeared: if it is not the one that accepted the held PIN, the PIN is wiped and the
    /// new token starts with a clean slate (no PIN, nothing blocked as far as we know).
    mutating func tokenPresent(serial: String?) {
        guard let acceptedBy, phase == .accepted else { return }
        if acceptedBy != serial {
            wipe()
            phase = .noPIN
        }
    }

    /// Explicit logout or shutdown: forget the PIN.
    mutating func forget() {
        wipe()
        phase = .noPIN
    }

    private mutating func wipe() {
        pin?.wipe()
        pin = nil
        acceptedBy = nil
        forceFinalTry = false
    }
}

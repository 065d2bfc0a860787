/// Why the gateway has no valid ESIA token for an identity right now.
///
/// The gateway turns this into a local 503 whose `code` an internal system can act on; it is never
/// confusable with an answer from EPGU.
public enum TokenUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing has been tried yet (the manager just started).
    case notYetObtained
    /// The USB token or its reader is not present.
    case tokenAbsent
    /// The token needs a PIN from a person (`gosgatectl token login`); retries left if known.
    case pinRequired(retriesLeft: Int?)
    /// The token's PIN is blocked; only its administrator can unblock it.
    case pinLocked
    /// ESIA could not be reached; the manager retries with backoff.
    case esiaUnreachable(String)
    /// ESIA refused; a person must fix what the stable `esiaCode` says.
    case esiaRefused(code: String, message: String)
    /// The token is busy or slow (signing queue deadline); retried with backoff.
    case signerBusy(String)
    /// Signing failed for another reason.
    case signerFailed(String)
    /// The clock is not fit for ESIA.
    case clockUnusable(String)
    /// ESIA's token did not verify against the environment's configured ESIA certificates; asking
    /// again would only fetch another such token, so a person must check the certificates.
    case tokenSignatureInvalid(String)

    /// Stable machine code for JSON errors and metrics.
    public var code: String {
        switch self {
        case .notYetObtained: return "token_pending"
        case .tokenAbsent: return "token_absent"
        case .pinRequired: return "pin_required"
        case .pinLocked: return "pin_locked"
        case .esiaUnreachable: return "esia_unreachable"
        case .esiaRefused: return "esia_refused"
        case .signerBusy: return "signer_busy"
        case .signerFailed: return "signer_failed"
        case .clockUnusable: return "clock_unusable"
        case .tokenSignatureInvalid: return "token_signature_invalid"
        }
    }

    /// True when retrying automatically is pointless or harmful (it would burn PIN tries, or repeat
    /// a request ESIA has refused): the manager stops until a person acts.
    public var needsPerson: Bool {
        switch self {
        case .notYetObtained, .esiaUnreachable, .tokenAbsent, .signerBusy: return false
        case .pinRequired, .pinLocked, .esiaRefused, .signerFailed, .clockUnusable, .tokenSignatureInvalid: return true
        }
    }

    public var description: String {
        switch self {
        case .notYetObtained: return "no ESIA token has been obtained yet"
        case .tokenAbsent: return "the signing token is not present: insert it"
        case .pinRequired(let left):
            let tries = left.map { " (\($0) tries left)" } ?? ""
            return "the token needs its PIN\(tries): run `gosgatectl token login`"
        case .pinLocked: return "the token's PIN is locked: have the token's administrator unblock it"
        case .esiaUnreachable(let why): return "ESIA is unreachable: \(why)"
        case .esiaRefused(let code, let message): return "ESIA refused (\(code)): \(message)"
        case .signerBusy(let why): return "the token is busy: \(why)"
        case .signerFailed(let why): return "signing failed: \(why)"
        case .clockUnusable(let why): return "the system clock is unusable for ESIA: \(why)"
        case .tokenSignatureInvalid(let why):
            return "the ESIA token's signature is not trusted: \(why); check environments.<name>.esia_token_certificates"
        }
    }
}

extension TokenUnavailable {
    /// Maps an ESIA-side failure onto the reasons the gateway reports.
    public init(_ error: ESIAError) {
        switch error {
        case .refused(let refusal) where refusal.isTransient:
            self = .esiaUnreachable(refusal.description)
        case .refused(let refusal):
            self = .esiaRefused(code: refusal.esiaCode ?? refusal.code, message: refusal.advice)
        case .unreachable(let why), .unexpectedResponse(let why):
            self = .esiaUnreachable(why)
        case .malformedToken, .invalidRequest:
            self = .esiaRefused(code: "esia_token_rejected", message: error.description)
        case .tokenSignatureInvalid(let why):
            self = .tokenSignatureInvalid(why)
        case .signerFailed(let why):
            self = .signerFailed(why)
        case .clockUnusable(let why):
            self = .clockUnusable(why)
        }
    }
}

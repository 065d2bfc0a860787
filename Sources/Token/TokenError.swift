import Foundation

/// Everything the token layer can fail with, each with a message that says what happened and what
/// to do. No message ever contains a PIN, a key or a signature.
public enum TokenError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration cannot work; the text names the setting.
    case configurationInvalid(String)
    /// The `file` driver was selected without explicitly allowing a software key.
    case softwareKeyNotAllowed
    /// A PKCS#11 module could not be loaded or initialised.
    case moduleUnavailable(path: String, reason: String)
    /// A PKCS#11 call failed with a code not handled more specifically.
    case pkcs11Failed(function: String, code: PKCS11ReturnCode)
    /// pcscd is not running or not reachable.
    case pcscUnavailable(String)
    /// A PC/SC call failed.
    case pcscFailed(function: String, code: PCSCReturnCode)
    /// No reader or token matches the configuration; the text says what was looked for and what exists.
    case tokenNotFound(String)
    /// The token did not appear before the deadline.
    case tokenAbsent(waited: Duration)
    /// The token was removed (or pcscd went away) during the operation; only that operation failed.
    case tokenRemoved(during: String)
    /// No private key matches the configured key ID or label.
    case keyNotFound(String)
    /// The certificate could not be found, read or parsed.
    case certificateUnavailable(String)
    /// The certificate does not belong to the token's key.
    case certificateMismatch(String)
    /// The token offers no mechanism we can sign with.
    case mechanismUnsupported(String)
    /// The token needs a PIN and none has been handed over.
    case pinRequired
    /// The token rejected the PIN just tried; the driver stopped and waits for a person.
    case pinIncorrect(PINCounter)
    /// An earlier PIN was rejected; nothing is tried until a person hands over a new PIN.
    case pinRejectedEarlier(PINCounter)
    /// The token's PIN is blocked.
    case pinLocked
    /// One attempt is left and the PIN was not marked as forced, so it was not tried.
    case pinFinalTryRefused
    /// The PIN itself is unusable (empty, too long, wrong length for the token); it was not tried.
    case pinInvalid(String)
    /// The card answered a command with an unexpected status word.
    case cardError(command: String, statusWord: UInt16)
    /// The signature the token returned does not verify with the certificate (byte order or key mismatch).
    case signatureSelfCheckFailed(String)
    /// The caller waited in the signing queue past its deadline; the token was busy.
    case queueTimeout(waited: Duration)
    /// The caller stopped waiting (its task was cancelled) before the operation started.
    case cancelled
    /// The digest has the wrong length for the key.
    case digestInvalid(String)
    /// The signer was shut down.
    case shutDown

    /// A stable machine-readable code for JSON error bodies (`{"code": …, "message": …}`).
    public var code: String {
        switch self {
        case .configurationInvalid: return "token_configuration_invalid"
        case .softwareKeyNotAllowed: return "token_software_key_not_allowed"
        case .moduleUnavailable: return "token_module_unavailable"
        case .pkcs11Failed: return "token_pkcs11_failed"
        case .pcscUnavailable: return "token_pcsc_unavailable"
        case .pcscFailed: return "token_pcsc_failed"
        case .tokenNotFound: return "token_not_found"
        case .tokenAbsent: return "token_absent"
        case .tokenRemoved: return "token_removed"
        case .keyNotFound: return "token_key_not_found"
        case .certificateUnavailable: return "token_certificate_unavailable"
        case .certificateMismatch: return "token_certificate_mismatch"
        case .mechanismUnsupported: return "token_mechanism_unsupported"
        case .pinRequired: return "token_pin_required"
        case .pinIncorrect: return "token_pin_incorrect"
        case .pinRejectedEarlier: return "token_pin_rejected_earlier"
        case .pinLocked: return "token_pin_locked"
        case .pinFinalTryRefused: return "token_pin_final_try_refused"
        case .pinInvalid: return "token_pin_invalid"
        case .cardError: return "token_card_error"
        case .signatureSelfCheckFailed: return "token_signature_self_check_failed"
        case .queueTimeout: return "token_busy_timeout"
        case .cancelled: return "token_request_cancelled"
        case .digestInvalid: return "token_digest_invalid"
        case .shutDown: return "token_shut_down"
        }
    }

    public var description: String {
        switch self {
        case .configurationInvalid(let message):
            return "token configuration invalid: \(message)"
        case .softwareKeyNotAllowed:
            return "the file driver uses a software key, which is for test stands only; "
                + "set token.allow_software_key: true to use it anyway, or configure the pkcs11 or pcsc driver"
        case .moduleUnavailable(let path, let reason):
            return "PKCS#11 module \(path) cannot be used: \(reason); check the path and that the vendor package is installed"
        case .pkcs11Failed(let function, let code):
            return "\(function) failed: \(code)"
        case .pcscUnavailable(let message):
            return "PC/SC unavailable: \(message); is pcscd running (systemctl status pcscd.socket)?"
        case .pcscFailed(let function, let code):
            return "\(function) failed: \(code)"
        case .tokenNotFound(let message):
            return "token not found: \(message)"
        case .tokenAbsent(let waited):
            return "no token present after waiting \(waited.tokenText); insert the token"
        case .tokenRemoved(let operation):
            return "the token was removed during \(operation); this request failed, the next one waits for the token"
        case .keyNotFound(let message):
            return "key not found: \(message); list the token's objects with `pkcs11-tool --module <module> --login -O`"
        case .certificateUnavailable(let message):
            return "certificate unavailable: \(message)"
        case .certificateMismatch(let message):
            return "certificate does not match the token key: \(message)"
        case .mechanismUnsupported(let message):
            return "no usable signing mechanism: \(message)"
        case .pinRequired:
            return "the token needs its PIN; hand it over with `gosgatectl token login` or a systemd credential"
        case .pinIncorrect(let counter):
            return "the token rejected the PIN (\(counter)); signing stopped until a person hands over the right PIN"
        case .pinRejectedEarlier(let counter):
            return "the last PIN was rejected (\(counter)); nothing will be tried until a person hands over a new PIN"
        case .pinLocked:
            return "the token's PIN is blocked; unblock it with the token's administrator (SO) PIN using the vendor's tools"
        case .pinFinalTryRefused:
            return "only one PIN attempt is left, so the PIN was not tried; hand it over again with --force "
                + "if you are sure it is right (a wrong PIN now blocks the token)"
        case .pinInvalid(let message):
            return "the PIN was not tried: \(message)"
        case .cardError(let command, let statusWord):
            return "the card refused \(command) with status \(String(format: "%04X", statusWord))"
                + (StatusWordMeaning.text(statusWord).map { " (\($0))" } ?? "")
        case .signatureSelfCheckFailed(let message):
            return "the token's signature does not verify with its certificate: \(message)"
        case .queueTimeout(let waited):
            return "gave up after waiting \(waited.tokenText) for the token, which was busy with other signatures"
        case .cancelled:
            return "the signing request was cancelled before the token got to it"
        case .digestInvalid(let message):
            return "cannot sign this digest: \(message)"
        case .shutDown:
            return "the token signer has been shut down"
        }
    }
}

extension Duration {
    /// "1.5 s", "250 ms": for messages.
    var tokenText: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        return milliseconds >= 1000 ? String(format: "%.1f s", Double(milliseconds) / 1000) : "\(milliseconds) ms"
    }
}

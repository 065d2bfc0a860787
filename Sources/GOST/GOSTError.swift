/// Everything that can go wrong in the GOST module, each with a message a person can act on.
public enum GOSTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The GOST engine could not be loaded into OpenSSL.
    case engineUnavailable(String)
    /// Input that is not the expected encoding (PEM, DER, base64, hex...).
    case malformedInput(String)
    /// A key of the wrong kind (RSA, EC...) where a GOST R 34.10-2012 key is required.
    case unsupportedKey(String)
    /// A certificate that cannot be used (not GOST, expired, not yet valid, wrong key...).
    case certificateRejected(String)
    /// A signature operation failed inside OpenSSL or the signer.
    case signingFailed(String)
    /// A verification failed; the message says which check.
    case verificationFailed(VerificationFailure)
    /// A file could not be read or written.
    case io(String)

    public var description: String {
        switch self {
        case .engineUnavailable(let message): return "GOST engine unavailable: \(message)"
        case .malformedInput(let message): return "malformed input: \(message)"
        case .unsupportedKey(let message): return "unsupported key: \(message)"
        case .certificateRejected(let message): return "certificate rejected: \(message)"
        case .signingFailed(let message): return "signing failed: \(message)"
        case .verificationFailed(let failure): return "verification failed: \(failure.description)"
        case .io(let message): return message
        }
    }

    /// A stable machine-readable code for JSON output (`{"code": …, "message": …}`).
    public var code: String {
        switch self {
        case .engineUnavailable: return "engine_unavailable"
        case .malformedInput: return "malformed_input"
        case .unsupportedKey: return "unsupported_key"
        case .certificateRejected: return "certificate_rejected"
        case .signingFailed: return "signing_failed"
        case .verificationFailed(let failure): return failure.code
        case .io: return "io_error"
        }
    }
}

/// Which check of a signature verification failed.
public enum VerificationFailure: Equatable, Sendable, CustomStringConvertible {
    /// The Streebog digest of the content differs from the signed `messageDigest` attribute.
    case contentDigestMismatch
    /// The signature does not verify over the signed attributes (or raw digest) with the signer key.
    case signatureInvalid
    /// A required signed attribute is missing or malformed; the associated value names it.
    case signedAttributeInvalid(String)
    /// `signingCertificateV2` does not match the embedded signer certificate.
    case signingCertificateMismatch
    /// No signer certificate in the CMS and none supplied.
    case signerCertificateMissing
    /// The structure is not a detached CAdES-BES SignedData we can check.
    case structureInvalid(String)
    /// The signer certificate is outside its validity period at the signing time.
    case certificateNotValidAtSigningTime(String)
    /// The signer certificate is outside its validity period at the moment the caller asked about.
    case certificateNotValid(String)
    /// CAdES-BES was required but the signed attributes carry no signingCertificateV2.
    case signingCertificateMissing
    /// The signer certificate, digest or signature algorithm is not GOST R 34.10/34.11-2012.
    case unsupportedAlgorithm(String)

    public var description: String {
        switch self {
        case .contentDigestMismatch:
            return "content digest does not match the signed messageDigest attribute (content changed, or the wrong file)"
        case .signatureInvalid:
            return "signature does not verify with the signer's public key"
        case .signedAttributeInvalid(let name):
            return "signed attribute \(name) is missing or malformed"
        case .signingCertificateMismatch:
            return "signingCertificateV2 hash does not match the embedded signer certificate"
        case .signerCertificateMissing:
            return "no signer certificate embedded and none supplied"
        case .structureInvalid(let why):
            return "not a CAdES-BES detached SignedData: \(why)"
        case .certificateNotValidAtSigningTime(let why):
            return "signer certificate not valid at signing time: \(why)"
        case .certificateNotValid(let why):
            return "signer certificate not valid: \(why)"
        case .signingCertificateMissing:
            return "no signingCertificateV2 signed attribute, which CAdES-BES requires (plain CMS, e.g. from openssl cms -sign)"
        case .unsupportedAlgorithm(let why):
            return "not a GOST R 34.10-2012 signature: \(why)"
        }
    }

    /// A stable machine-readable code naming the failed check.
    public var code: String {
        switch self {
        case .contentDigestMismatch: return "content_digest_mismatch"
        case .signatureInvalid: return "signature_invalid"
        case .signedAttributeInvalid: return "signed_attribute_invalid"
        case .signingCertificateMismatch: return "signing_certificate_mismatch"
        case .signerCertificateMissing: return "signer_certificate_missing"
        case .structureInvalid: return "structure_invalid"
        case .certificateNotValidAtSigningTime: return "certificate_not_valid_at_signing_time"
        case .certificateNotValid: return "certificate_not_valid"
        case .signingCertificateMissing: return "signing_certificate_v2_missing"
        case .unsupportedAlgorithm: return "unsupported_algorithm"
        }
    }
}

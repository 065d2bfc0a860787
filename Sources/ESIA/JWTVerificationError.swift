/// Why an ESIA access token's signature was not accepted, each with a message a person can act on.
public enum JWTVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header's `alg` is neither RS256 nor GOST3410_2012_256.
    case unknownAlgorithm(String)
    /// None of the configured certificates holds a key for the token's `alg`.
    case noCertificateForAlgorithm(JWTAlgorithm, configured: [String])
    /// The signature has the length of a key for another algorithm: the header's `alg` was changed.
    case algorithmKeyMismatch(JWTAlgorithm, signatureBytes: Int, fits: JWTAlgorithm)
    /// The signature part is missing, not base64url, or of a length no configured key produces.
    case malformedSignature(String)
    /// The signature has the right shape but no configured certificate for the `alg` verifies it.
    case signatureMismatch(JWTAlgorithm, tried: [String])
    /// A configured certificate file or directory could not be used.
    case certificateUnusable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownAlgorithm(let alg):
            let known = JWTAlgorithm.allCases.map(\.rawValue).joined(separator: " or ")
            return "the token's alg \"\(alg)\" is not one ESIA signs with (\(known))"
        case .noCertificateForAlgorithm(let alg, let configured):
            let list = configured.isEmpty ? "none" : configured.joined(separator: "; ")
            return "the token is signed \(alg) but no configured ESIA certificate has a key for it (configured: \(list)); add ESIA's \(alg) certificate"
        case .algorithmKeyMismatch(let alg, let bytes, let fits):
            return "the header says \(alg) but the \(bytes)-byte signature is shaped for a \(fits) key: the alg was altered"
        case .malformedSignature(let why):
            return "the signature is malformed: \(why)"
        case .signatureMismatch(let alg, let tried):
            return "the \(alg) signature does not verify with any configured ESIA certificate (tried \(tried.joined(separator: "; "))): the token was altered, or ESIA signs with a certificate not configured here"
        case .certificateUnusable(let path, let reason):
            return "ESIA certificate \(path) cannot be used: \(reason)"
        }
    }
}

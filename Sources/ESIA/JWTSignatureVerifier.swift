import Foundation

/// Checks an ESIA access token's signature against the ESIA signing certificates configured for an
/// environment (research/esia-epgu-protocol.md §5): RS256 with OpenSSL, GOST3410_2012_256 with the
/// GOST module, over the ASCII signing input `header.payload`.
///
/// The configured files are read at every verification: tokens are obtained about once an hour, and
/// a certificate ESIA rotates in takes effect at the next acquisition without a restart.
public struct JWTSignatureVerifier: Sendable {
    /// Files (PEM certificates or public keys, DER certificates) and directories of them.
    public let certificatePaths: [String]

    public init(certificatePaths: [String]) {
        self.certificatePaths = certificatePaths
    }

    /// Verifies `token`'s signature.
    /// - Returns: the configured key that verified it.
    /// - Throws: the first reason the token cannot be trusted; the keys are consulted only for an
    ///   `alg` ESIA uses and a signature of a plausible length.
    @discardableResult
    public func verify(_ token: AccessToken) throws(JWTVerificationError) -> JWTSigningKey {
        guard let algorithm = JWTAlgorithm(rawValue: token.algorithm) else {
            throw .unknownAlgorithm(token.algorithm)
        }
        guard let signed = token.signedPart else {
            throw .malformedSignature("the third part of the JWT is not base64url")
        }
        guard !signed.signature.isEmpty else { throw .malformedSignature("the token carries no signature") }
        var keys: [JWTSigningKey] = []
        for path in certificatePaths { keys += try JWTSigningKey.load(path: path) }

        let candidates = keys.filter { $0.algorithm == algorithm }
        guard !candidates.isEmpty else {
            throw .noCertificateForAlgorithm(algorithm, configured: keys.map(\.description))
        }
        let fitting = candidates.filter { $0.signatureByteCount == signed.signature.count }
        guard !fitting.isEmpty else {
            if let other = keys.first(where: { $0.algorithm != algorithm && $0.signatureByteCount == signed.signature.count }) {
                throw .algorithmKeyMismatch(algorithm, signatureBytes: signed.signature.count, fits: other.algorithm)
            }
            let lengths = Set(candidates.map(\.signatureByteCount)).sorted().map(String.init).joined(separator: " or ")
            throw .malformedSignature("\(signed.signature.count) bytes where the configured \(algorithm) keys sign \(lengths) bytes: truncated or damaged")
        }
        for key in fitting where key.verify(signature: signed.signature, over: signed.input) {
            return key
        }
        throw .signatureMismatch(algorithm, tried: fitting.map(\.origin))
    }

    /// Verifies a token a source just obtained, failing the acquisition as `token_signature_invalid`
    /// (which waits for a person instead of retrying: ESIA would hand out the same kind of token).
    func acquisitionCheck(_ token: AccessToken) throws(TokenUnavailable) {
        do {
            try verify(token)
        } catch {
            throw TokenUnavailable(ESIAError.tokenSignatureInvalid(error.description))
        }
    }
}

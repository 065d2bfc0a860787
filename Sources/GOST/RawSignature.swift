import Foundation

/// Bare GOST R 34.10-2012 signatures, no CMS: what ESIA OAuth v2/v3 wants as `client_secret`
/// (research/esia-epgu-protocol.md §3.3): `s‖r` (64 bytes for 256-bit keys) over the Streebog digest
/// of the UTF-8 bytes of the signed string, sent base64url without padding.
public enum RawSignature {
    /// Signs `message`: Streebog (the size that fits the signer's key), then the signer.
    /// - Returns: `s‖r`, big-endian halves.
    public static func sign(message: Data, signer: any DigestSigner) async throws -> Data {
        let keySize = try signer.certificate.requireGOST()
        return try await sign(digest: Streebog.hash(message, size: keySize.digest), keySize: keySize, signer: signer)
    }

    /// Like `sign(message:…)` with the message read from a file in chunks.
    public static func sign(messageFile path: String, signer: any DigestSigner) async throws -> Data {
        let keySize = try signer.certificate.requireGOST()
        return try await sign(digest: Streebog.hash(fileAt: path, size: keySize.digest), keySize: keySize, signer: signer)
    }

    private static func sign(digest: Data, keySize: GOSTKeySize, signer: any DigestSigner) async throws -> Data {
        let signature = try await signer.sign(digest: digest)
        guard signature.count == keySize.signatureByteCount else {
            throw GOSTError.signingFailed("the signer returned \(signature.count) bytes; a \(keySize) signature is \(keySize.signatureByteCount) bytes (s‖r)")
        }
        return signature
    }

    /// ESIA's `client_secret` for the concatenated parameter string `text`: base64url, no padding.
    public static func clientSecret(for text: String, signer: any DigestSigner) async throws -> String {
        Base64URL.encode(try await sign(message: Data(text.utf8), signer: signer))
    }

    /// Checks `signature` (`s‖r`) over `message` against `certificate`; when `date` is given the
    /// certificate must be valid then.
    /// - Throws: `.verificationFailed(.signatureInvalid)`, `.verificationFailed(.certificateNotValid)`,
    ///   `.certificateRejected` for a certificate without a GOST key.
    public static func verify(signature: Data, message: Data, certificate: GOSTCertificate, at date: Date? = nil) throws(GOSTError) {
        let key = try certificate.publicKey
        try check(signature: signature, digest: Streebog.hash(message, size: key.keySize.digest), certificate: certificate, at: date)
    }

    /// Like `verify(signature:message:…)` with the message read from a file in chunks.
    public static func verify(signature: Data, messageFile path: String, certificate: GOSTCertificate, at date: Date? = nil) throws(GOSTError) {
        let key = try certificate.publicKey
        try check(signature: signature, digest: Streebog.hash(fileAt: path, size: key.keySize.digest), certificate: certificate, at: date)
    }

    private static func check(signature: Data, digest: Data, certificate: GOSTCertificate, at date: Date?) throws(GOSTError) {
        guard try certificate.publicKey.verify(signature: signature, digest: digest) else {
            throw .verificationFailed(.signatureInvalid)
        }
        guard let date else { return }
        do {
            try certificate.checkValidity(at: date)
        } catch {
            guard case .certificateRejected(let why) = error else { throw error }
            throw .verificationFailed(.certificateNotValid(why))
        }
    }
}

import COpenSSL
import Foundation

/// An RSA public key that checks RS256 signatures (RSASSA-PKCS1-v1_5 with SHA-256), held by OpenSSL.
final class JWTRSAPublicKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never changed after init; each verification makes its own context.
    private let pkey: OpaquePointer

    /// Length of every signature this key makes (the modulus size).
    let signatureByteCount: Int

    /// Takes ownership of `pkey`; returns nil (and frees it) when it is not an RSA key.
    init?(taking pkey: OpaquePointer) {
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA else {
            EVP_PKEY_free(pkey)
            return nil
        }
        self.pkey = pkey
        signatureByteCount = Int(EVP_PKEY_get_size(pkey))
    }

    deinit {
        EVP_PKEY_free(pkey)
    }

    /// Whether `signature` is this key's RS256 signature over `message`.
    func verify(_ signature: Data, over message: Data) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let input = [UInt8](message), signatureBytes = [UInt8](signature)
        let verified = EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, pkey) == 1
            && EVP_DigestVerify(context, signatureBytes, signatureBytes.count, input, input.count) == 1
        ERR_clear_error()
        return verified
    }
}

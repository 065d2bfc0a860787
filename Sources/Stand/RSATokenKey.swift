import COpenSSL
import Foundation

/// An RSA key for RS256 tokens (RSASSA-PKCS1-v1_5 with SHA-256), for stands that emulate an ESIA
/// system still configured for RSA. Held by OpenSSL.
final class RSATokenKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never changed after init; each operation makes its own context.
    private let pkey: OpaquePointer

    /// Loads an unencrypted PEM RSA private key.
    init(contentsOfFile path: String) throws(StandError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io("cannot read the RSA token key \(path)")
        }
        let bytes = [UInt8](data)
        let bio: OpaquePointer? = bytes.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw .keyMaterial("out of memory reading \(path)") }
        defer { BIO_free(bio) }
        let loaded: OpaquePointer? = withExtendedLifetime(bytes) { PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        guard let loaded else {
            ERR_clear_error()
            throw .keyMaterial("\(path) is not an unencrypted PEM private key")
        }
        guard EVP_PKEY_get_base_id(loaded) == EVP_PKEY_RSA else {
            EVP_PKEY_free(loaded)
            throw .keyMaterial("\(path) is not an RSA key; RS256 tokens need one")
        }
        pkey = loaded
    }

    private init(taking pkey: OpaquePointer) {
        self.pkey = pkey
    }

    deinit {
        EVP_PKEY_free(pkey)
    }

    /// A fresh 2048-bit key.
    static func generate() throws(StandError) -> RSATokenKey {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil) else {
            throw .keyMaterial("OpenSSL has no RSA key generator")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, 2048) == 1,
              EVP_PKEY_keygen(context, &generated) == 1, let generated else {
            ERR_clear_error()
            throw .keyMaterial("RSA key generation failed")
        }
        return RSATokenKey(taking: generated)
    }

    /// PKCS#8 PEM of the private key.
    var privateKeyPEM: Data {
        get throws(StandError) { try Self.collect { PEM_write_bio_PrivateKey($0, pkey, nil, nil, 0, nil, nil) } }
    }

    /// PEM `PUBLIC KEY` (SubjectPublicKeyInfo), what a verifier needs.
    var publicKeyPEM: Data {
        get throws(StandError) { try Self.collect { PEM_write_bio_PUBKEY($0, pkey) } }
    }

    /// RS256 signature over `message`.
    func sign(_ message: Data) throws(StandError) -> Data {
        guard let context = EVP_MD_CTX_new() else { throw .keyMaterial("out of memory signing a token") }
        defer { EVP_MD_CTX_free(context) }
        let input = [UInt8](message)
        var length = 0
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, pkey) == 1,
              EVP_DigestSign(context, nil, &length, input, input.count) == 1 else {
            ERR_clear_error()
            throw .keyMaterial("RSA signing failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, input, input.count) == 1 else {
            ERR_clear_error()
            throw .keyMaterial("RSA signing failed")
        }
        return Data(signature.prefix(length))
    }

    /// Whether `signature` is a valid RS256 signature over `message` by this key.
    func verify(_ signature: Data, over message: Data) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let input = [UInt8](message), signatureBytes = [UInt8](signature)
        let verified = EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, pkey) == 1
            && EVP_DigestVerify(context, signatureBytes, signatureBytes.count, input, input.count) == 1
        ERR_clear_error()
        return verified
    }

    private static func collect(_ write: (OpaquePointer) -> Int32) throws(StandError) -> Data {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .keyMaterial("out of memory") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else {
            ERR_clear_error()
            throw .keyMaterial("OpenSSL could not encode the RSA key")
        }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = gg_bio_get_mem_data(bio, &pointer)
        guard let pointer, length > 0 else { return Data() }
        return Data(bytes: pointer, count: length)
    }
}

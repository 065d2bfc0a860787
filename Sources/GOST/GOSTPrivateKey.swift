import COpenSSL
import Foundation
import SwiftASN1

/// A software GOST R 34.10-2012 private key (PKCS#8), held by OpenSSL with the GOST engine.
///
/// For stands, tests and the virtual token. A production gateway signs on the hardware token.
public final class GOSTPrivateKey: @unchecked Sendable, CustomStringConvertible {
    // Immutable after init; each operation makes its own EVP_PKEY_CTX, so concurrent use is safe.
    let pkey: OpaquePointer

    /// 256 or 512 bits.
    public let keySize: GOSTKeySize
    /// The matching public key.
    public let publicKey: GOSTPublicKey

    /// The curve of the key.
    public var parameterSet: GOSTParameterSet { publicKey.parameterSet }

    /// Loads a PKCS#8 key from PEM (`PRIVATE KEY`) or DER bytes.
    /// - Throws: `.malformedInput` for anything that is not a readable unencrypted key,
    ///   `.unsupportedKey` for RSA, EC and other non-GOST keys.
    public convenience init(data: Data) throws(GOSTError) {
        try GOSTEngine.ensureLoaded()
        if data.isEmpty { throw .malformedInput("the private key input is empty") }
        let looksLikePEM = data.prefix(1024).range(of: Data("-----BEGIN".utf8)) != nil
        if looksLikePEM, data.range(of: Data("ENCRYPTED".utf8)) != nil {
            throw .unsupportedKey("the key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)")
        }
        let pkey: OpaquePointer? = try MemoryBIO.reading(data) { bio in
            looksLikePEM
                ? PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
                : d2i_PrivateKey_bio(bio, nil)
        }
        guard let pkey else {
            let reason = OpenSSLError.drain()
            throw .malformedInput("not a \(looksLikePEM ? "PEM" : "DER") PKCS#8 private key (\(reason))")
        }
        try self.init(taking: pkey)
    }

    /// Loads a PKCS#8 key (PEM or DER) from a file.
    public convenience init(contentsOfFile path: String) throws(GOSTError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .io("cannot read private key \(path): \(error.localizedDescription)")
        }
        do {
            try self.init(data: data)
        } catch {
            switch error {
            case .malformedInput(let why): throw .malformedInput("\(path): \(why)")
            case .unsupportedKey(let why): throw .unsupportedKey("\(path): \(why)")
            default: throw error
            }
        }
    }

    /// Generates a fresh key on `parameterSet` (CryptoPro-A by default, the common token curve).
    public static func generate(parameterSet: GOSTParameterSet = .cryptoProA) throws(GOSTError) -> GOSTPrivateKey {
        try GOSTEngine.ensureLoaded()
        guard let paramName = parameterSet.openSSLName else {
            throw .unsupportedKey("OpenSSL cannot generate keys on \(parameterSet)")
        }
        guard let context = EVP_PKEY_CTX_new_id(parameterSet.keySize.nid, nil) else {
            throw .engineUnavailable("no key generator for \(parameterSet.keySize): \(OpenSSLError.drain())")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_ctrl_str(context, "paramset", paramName) > 0,
              EVP_PKEY_keygen(context, &pkey) == 1, let pkey else {
            throw .signingFailed("key generation on \(parameterSet) failed: \(OpenSSLError.drain())")
        }
        return try GOSTPrivateKey(taking: pkey)
    }

    /// Takes ownership of `pkey`; frees it and throws unless it is a GOST R 34.10-2012 key.
    init(taking pkey: OpaquePointer) throws(GOSTError) {
        guard let size = GOSTKeySize(nid: EVP_PKEY_get_base_id(pkey)) else {
            let found = Self.describe(pkey)
            EVP_PKEY_free(pkey)
            throw .unsupportedKey("found \(found); a GOST R 34.10-2012 (256 or 512 bit) key is required")
        }
        do {
            let spki = try MemoryBIO.derEncode("public key") { i2d_PUBKEY(pkey, $0) }
            publicKey = try GOSTPublicKey(subjectPublicKeyInfoDER: spki)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
        keySize = size
    }

    deinit {
        EVP_PKEY_free(pkey)
    }

    /// Signs a Streebog digest `H` (as `openssl dgst -binary` prints it).
    /// - Returns: `s‖r`, big-endian halves, 64 or 128 bytes.
    public func sign(digest: Data) throws(GOSTError) -> Data {
        guard digest.count == keySize.digest.byteCount else {
            throw .signingFailed("a \(keySize) key signs a \(keySize.digest.byteCount)-byte \(keySize.digest) digest, got \(digest.count) bytes")
        }
        guard let context = EVP_PKEY_CTX_new(pkey, nil) else {
            throw .signingFailed("cannot create a signing context: \(OpenSSLError.drain())")
        }
        defer { EVP_PKEY_CTX_free(context) }
        let digestBytes = [UInt8](digest)
        var length = keySize.signatureByteCount
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_sign_init(context) == 1,
              EVP_PKEY_sign(context, &signature, &length, digestBytes, digestBytes.count) == 1 else {
            throw .signingFailed("OpenSSL could not sign: \(OpenSSLError.drain())")
        }
        return Data(signature.prefix(length))
    }

    /// Hashes `message` with the key's Streebog and signs the digest.
    public func sign(message: Data) throws(GOSTError) -> Data {
        try sign(digest: Streebog.hash(message, size: keySize.digest))
    }

    /// Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public var pem: String {
        get throws(GOSTError) {
            let data = try MemoryBIO.collecting("private key") { bio in
                PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil)
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Unencrypted PKCS#8 DER.
    public var der: Data {
        get throws(GOSTError) {
            try MemoryBIO.collecting("private key") { bio in i2d_PKCS8PrivateKey_bio(bio, pkey, nil, nil, 0, nil, nil) }
        }
    }

    /// Runs `body` with the OpenSSL `EVP_PKEY *` (for the TLS module); do not free or keep it.
    public func withUnsafeEVPKey<R, E: Error>(_ body: (OpaquePointer) throws(E) -> R) throws(E) -> R {
        try body(pkey)
    }

    public var description: String { "\(keySize) private key on \(parameterSet)" }

    /// "an RSA key (2048 bits)" and the like, for error messages about the wrong kind of key.
    static func describe(_ pkey: OpaquePointer) -> String {
        let name = EVP_PKEY_get0_type_name(pkey).map { String(cString: $0) }
            ?? OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)).map { String(cString: $0) } ?? "unknown"
        let bits = EVP_PKEY_get_bits(pkey)
        let article = name.first.map { "AEIOUaeiou".contains($0) } == true ? "an" : "a"
        return bits > 0 ? "\(article) \(name) key (\(bits) bits)" : "\(article) \(name) key"
    }
}

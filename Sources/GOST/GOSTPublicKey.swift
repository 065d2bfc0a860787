import COpenSSL
import Foundation
import SwiftASN1

/// A GOST R 34.10-2012 public key: verifies `s‖r` signatures over Streebog digests.
public final class GOSTPublicKey: @unchecked Sendable, Equatable, CustomStringConvertible {
    // Immutable after init; OpenSSL allows concurrent verifications with one EVP_PKEY.
    let pkey: OpaquePointer

    /// 256 or 512 bits.
    public let keySize: GOSTKeySize
    /// The curve named in the SubjectPublicKeyInfo.
    public let parameterSet: GOSTParameterSet
    /// DER SubjectPublicKeyInfo, as in a certificate.
    public let subjectPublicKeyInfoDER: Data
    /// The public point as stored in the SPKI: `X_le‖Y_le` (64 or 128 bytes); see `GOSTByteOrder`.
    public let pointLittleEndian: Data

    /// Loads a DER SubjectPublicKeyInfo; rejects keys that are not GOST R 34.10-2012.
    public convenience init(subjectPublicKeyInfoDER der: Data) throws(GOSTError) {
        try GOSTEngine.ensureLoaded()
        var cursor: UnsafePointer<UInt8>?
        let bytes = [UInt8](der)
        let pkey: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            cursor = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let pkey else {
            throw .malformedInput("not a DER SubjectPublicKeyInfo OpenSSL can read: \(OpenSSLError.drain())")
        }
        try self.init(taking: pkey)
    }

    /// Builds the key from big-endian coordinates `x`, `y` on `parameterSet`, the way the standard
    /// and RFC 7091 print them (for example the standard's worked example).
    public convenience init(x: Data, y: Data, parameterSet: GOSTParameterSet) throws(GOSTError) {
        let length = parameterSet.keySize.bits / 8
        guard x.count == length, y.count == length else {
            throw .malformedInput("a \(parameterSet.keySize.bits)-bit point needs \(length)-byte coordinates, got \(x.count) and \(y.count)")
        }
        let der: [UInt8]
        do {
            der = try Self.spki(point: GOSTByteOrder.spkiPoint(x: x, y: y), parameterSet: parameterSet)
        } catch {
            throw .malformedInput("cannot encode the public key: \(error)")
        }
        try self.init(subjectPublicKeyInfoDER: Data(der))
    }

    /// Takes ownership of `pkey`; frees it and throws if it is not a GOST key.
    init(taking pkey: OpaquePointer) throws(GOSTError) {
        guard let size = GOSTKeySize(nid: EVP_PKEY_get_base_id(pkey)) else {
            let found = GOSTPrivateKey.describe(pkey)
            EVP_PKEY_free(pkey)
            throw .unsupportedKey("found \(found); a GOST R 34.10-2012 (256 or 512 bit) key is required")
        }
        let der: Data
        do {
            der = try MemoryBIO.derEncode("public key") { i2d_PUBKEY(pkey, $0) }
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        guard let spki = try? SubjectPublicKeyInfo(derEncoded: [UInt8](der)),
              let curve = spki.gostParameterSetOID, let point = spki.gostPointOctets else {
            EVP_PKEY_free(pkey)
            throw .malformedInput("GOST public key without GostR3410-2012-PublicKeyParameters")
        }
        self.pkey = pkey
        keySize = size
        parameterSet = GOSTParameterSet(oid: curve.description, keySize: size)
        subjectPublicKeyInfoDER = der
        pointLittleEndian = Data(point)
    }

    deinit {
        EVP_PKEY_free(pkey)
    }

    /// Checks a signature `s‖r` (big-endian halves) over `digest` (Streebog output as OpenSSL prints it).
    ///
    /// Returns false for a wrong signature, a wrong length or a digest of the wrong size; never throws
    /// for bad input, so callers can treat "false" as "does not verify".
    public func verify(signature: Data, digest: Data) -> Bool {
        guard signature.count == keySize.signatureByteCount, digest.count == keySize.digest.byteCount,
              let context = EVP_PKEY_CTX_new(pkey, nil) else { return false }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_verify_init(context) == 1 else {
            OpenSSLError.clear()
            return false
        }
        let signatureBytes = [UInt8](signature), digestBytes = [UInt8](digest)
        let result = EVP_PKEY_verify(context, signatureBytes, signatureBytes.count, digestBytes, digestBytes.count)
        OpenSSLError.clear()
        return result == 1
    }

    /// Hashes `message` with the key's Streebog and checks `signature` over it.
    public func verify(signature: Data, message: Data) throws(GOSTError) -> Bool {
        verify(signature: signature, digest: try Streebog.hash(message, size: keySize.digest))
    }

    /// PEM `PUBLIC KEY`.
    public var pem: String {
        PEMDocument(type: "PUBLIC KEY", derBytes: [UInt8](subjectPublicKeyInfoDER)).pemString
    }

    /// Runs `body` with the OpenSSL `EVP_PKEY *` (for the TLS module); do not free or keep it.
    public func withUnsafeEVPKey<R, E: Error>(_ body: (OpaquePointer) throws(E) -> R) throws(E) -> R {
        try body(pkey)
    }

    public var description: String { "\(keySize) public key on \(parameterSet)" }

    /// Two keys are equal when they are the same point on curves of the same size.
    public static func == (lhs: GOSTPublicKey, rhs: GOSTPublicKey) -> Bool {
        lhs.keySize == rhs.keySize && lhs.pointLittleEndian == rhs.pointLittleEndian
    }

    /// DER SubjectPublicKeyInfo for a GOST point; the 2001-era CryptoPro curves carry the digest OID too,
    /// as OpenSSL writes them for 2012-256 keys.
    static func spki(point: Data, parameterSet: GOSTParameterSet) throws -> [UInt8] {
        let isCryptoProCurve = parameterSet.oid.hasPrefix("1.2.643.2.2.")
        let parameters = GOSTPublicKeyParameters(
            publicKeyParamSet: try ASN1ObjectIdentifier(dotRepresentation: parameterSet.oid),
            digestParamSet: isCryptoProCurve && parameterSet.keySize == .bits256 ? .streebog256 : nil)
        var octets = DER.Serializer()
        try octets.serialize(ASN1OctetString(contentBytes: ArraySlice(point)))
        let algorithm = AlgorithmIdentifier(
            algorithm: parameterSet.keySize == .bits256 ? .gostPublicKey256 : .gostPublicKey512,
            parameters: try ASN1Any(erasing: parameters))
        let spki = SubjectPublicKeyInfo(algorithm: algorithm,
                                        subjectPublicKey: ASN1BitString(bytes: ArraySlice(octets.serializedBytes)))
        var serializer = DER.Serializer()
        try serializer.serialize(spki)
        return serializer.serializedBytes
    }
}

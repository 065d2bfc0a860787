import COpenSSL
import Foundation
import GOST

/// One key ESIA may sign access tokens with, read from a configured certificate (or a bare PEM
/// `PUBLIC KEY`, as `gosgate-stand init` writes for RS256 stands).
public struct JWTSigningKey: Sendable, CustomStringConvertible {
    private enum Key: Sendable {
        case gost(GOSTPublicKey)
        case rsa(JWTRSAPublicKey)
    }

    private let key: Key
    /// The `alg` this key verifies.
    public let algorithm: JWTAlgorithm
    /// Where the key came from: the certificate's subject (or the key's position) and the file.
    public let origin: String

    /// File extensions read from a configured directory; ESIA's archive ships `.cer` files.
    private static let directoryExtensions: Set<String> = ["pem", "crt", "cer", "der"]

    /// Length of every signature this key makes.
    var signatureByteCount: Int {
        switch key {
        case .gost(let gost): return gost.keySize.signatureByteCount
        case .rsa(let rsa): return rsa.signatureByteCount
        }
    }

    /// Whether `signature` over the JWS signing input `input` (ASCII `header.payload`) is this key's.
    func verify(signature: Data, over input: Data) -> Bool {
        switch key {
        case .gost(let gost):
            // A JWS carries the GOST signature as `s‖r` with big-endian halves, the GOST module's own
            // order (GOSTByteOrder; research/esia-epgu-protocol.md §5), so it goes to OpenSSL unchanged.
            return (try? gost.verify(signature: signature, message: input)) ?? false
        case .rsa(let rsa):
            return rsa.verify(signature, over: input)
        }
    }

    public var description: String { "\(algorithm) key of \(origin)" }

    /// Every key in `path`: a PEM file of certificates and/or public keys, a DER certificate, or a
    /// directory of such files (`.pem`, `.crt`, `.cer`, `.der`; other names are skipped).
    static func load(path: String) throws(JWTVerificationError) -> [JWTSigningKey] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .certificateUnusable(path: path, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else { return try loadFile(path) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .certificateUnusable(path: path, reason: "the directory cannot be listed (\(error.localizedDescription))")
        }
        var keys: [JWTSigningKey] = []
        for name in names.sorted() where directoryExtensions.contains((name as NSString).pathExtension.lowercased()) {
            keys += try loadFile((path as NSString).appendingPathComponent(name))
        }
        guard !keys.isEmpty else {
            throw .certificateUnusable(path: path, reason: "the directory holds no .pem, .crt, .cer or .der file")
        }
        return keys
    }

    private static func loadFile(_ path: String) throws(JWTVerificationError) -> [JWTSigningKey] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .certificateUnusable(path: path, reason: "not readable (the gosgate user must be able to read it)")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN") else {
            do {
                return [try key(from: GOSTCertificate(der: data), path: path)]
            } catch let error as JWTVerificationError {
                throw error
            } catch {
                throw .certificateUnusable(path: path, reason: "neither PEM nor a DER certificate (\(error))")
            }
        }
        var keys: [JWTSigningKey] = []
        if text.contains("-----BEGIN CERTIFICATE-----") {
            let certificates: [GOSTCertificate]
            do {
                certificates = try GOSTCertificate.all(pem: data)
            } catch {
                throw .certificateUnusable(path: path, reason: "\(error)")
            }
            for certificate in certificates { keys.append(try key(from: certificate, path: path)) }
        }
        for (index, der) in try publicKeyBlocks(in: text, path: path).enumerated() {
            keys.append(try key(fromSubjectPublicKeyInfo: der, origin: "public key #\(index + 1) (\(path))", path: path))
        }
        guard !keys.isEmpty else {
            throw .certificateUnusable(path: path, reason: "no CERTIFICATE or PUBLIC KEY block in the PEM text")
        }
        return keys
    }

    private static func key(from certificate: GOSTCertificate, path: String) throws(JWTVerificationError) -> JWTSigningKey {
        let origin = "\(certificate.subject) (\(path))"
        switch certificate.keyAlgorithm {
        case .gost(.bits256, _):
            do {
                return JWTSigningKey(key: .gost(try certificate.publicKey), algorithm: .gost3410_2012_256, origin: origin)
            } catch {
                throw .certificateUnusable(path: path, reason: "\(error)")
            }
        case .gost(let size, _):
            throw .certificateUnusable(path: path, reason: "\(certificate.subject) has a \(size) key; ESIA signs tokens with 256-bit GOST keys")
        case .other(let name, _, _):
            let pkey = certificate.withUnsafeX509 { X509_get_pubkey($0) }
            guard let pkey, let rsa = JWTRSAPublicKey(taking: pkey) else {
                ERR_clear_error()
                throw .certificateUnusable(path: path, reason: "\(certificate.subject) has a \(name) key; ESIA signs tokens with RSA or GOST R 34.10-2012 keys")
            }
            return JWTSigningKey(key: .rsa(rsa), algorithm: .rs256, origin: origin)
        }
    }

    private static func key(fromSubjectPublicKeyInfo der: Data, origin: String, path: String) throws(JWTVerificationError) -> JWTSigningKey {
        do {
            let gost = try GOSTPublicKey(subjectPublicKeyInfoDER: der)
            guard gost.keySize == .bits256 else {
                throw JWTVerificationError.certificateUnusable(path: path, reason: "\(origin) is a \(gost.keySize) key; ESIA signs tokens with 256-bit GOST keys")
            }
            return JWTSigningKey(key: .gost(gost), algorithm: .gost3410_2012_256, origin: origin)
        } catch let error as JWTVerificationError {
            throw error
        } catch GOSTError.unsupportedKey {
            // Not GOST: RSA is the other key ESIA signs with.
        } catch {
            throw .certificateUnusable(path: path, reason: "\(origin): \(error)")
        }
        let bytes = [UInt8](der)
        let pkey: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let pkey, let rsa = JWTRSAPublicKey(taking: pkey) else {
            ERR_clear_error()
            throw .certificateUnusable(path: path, reason: "\(origin) is neither an RSA nor a GOST R 34.10-2012 key")
        }
        return JWTSigningKey(key: .rsa(rsa), algorithm: .rs256, origin: origin)
    }

    /// The DER inside each `PUBLIC KEY` block of PEM text.
    private static func publicKeyBlocks(in text: String, path: String) throws(JWTVerificationError) -> [Data] {
        let begin = "-----BEGIN PUBLIC KEY-----", end = "-----END PUBLIC KEY-----"
        var blocks: [Data] = []
        var rest = text[...]
        while let start = rest.range(of: begin) {
            guard let stop = rest.range(of: end, range: start.upperBound..<rest.endIndex) else {
                throw .certificateUnusable(path: path, reason: "a PUBLIC KEY block has no END line")
            }
            let body = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
            guard let der = Data(base64Encoded: String(body)) else {
                throw .certificateUnusable(path: path, reason: "a PUBLIC KEY block is not base64")
            }
            blocks.append(der)
            rest = rest[stop.upperBound...]
        }
        return blocks
    }
}

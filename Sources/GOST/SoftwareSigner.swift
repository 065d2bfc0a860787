import Foundation

/// A `DigestSigner` over a software key and its certificate.
public struct SoftwareSigner: DigestSigner {
    /// The private key that signs.
    public let key: GOSTPrivateKey
    /// The certificate issued for `key`.
    public let certificate: GOSTCertificate

    /// Pairs `key` with `certificate`.
    /// - Throws: `.certificateRejected` when the certificate is not GOST or holds a different public key.
    public init(key: GOSTPrivateKey, certificate: GOSTCertificate) throws(GOSTError) {
        let certificateKey = try certificate.publicKey
        guard certificateKey == key.publicKey else {
            throw .certificateRejected("the private key does not match the certificate \(certificate.subject) (serial \(certificate.serialNumber)); pick the key the certificate was issued for")
        }
        self.key = key
        self.certificate = certificate
    }

    /// Loads the key and the certificate from files (PEM or DER each).
    public init(keyFile: String, certificateFile: String) throws(GOSTError) {
        try self.init(key: GOSTPrivateKey(contentsOfFile: keyFile),
                      certificate: GOSTCertificate(contentsOfFile: certificateFile))
    }

    /// Signs with the software key; see `DigestSigner.sign(digest:)`.
    public func sign(digest: Data) async throws -> Data {
        try key.sign(digest: digest)
    }
}

import Foundation

/// What a successful `CAdESVerifier.verify` established.
public struct CAdESVerification: Sendable {
    /// The certificate whose key made the signature.
    public let signerCertificate: GOSTCertificate
    /// The signed `signingTime`, if the signature has one.
    public let signingTime: Date?
    /// The digest algorithm of the SignerInfo.
    public let digest: Streebog.Size
    /// Whether a signingCertificateV2 attribute was present (and matched the signer certificate).
    public let hasSigningCertificateV2: Bool
    /// Every certificate embedded in the SignedData.
    public let embeddedCertificates: [GOSTCertificate]
}

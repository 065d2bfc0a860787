import Foundation
import SwiftASN1

/// Builds detached CAdES-BES signatures (CMS SignedData) as ESIA's API-KEY flow wants them
/// (research/esia-epgu-protocol.md §2.3).
///
/// The SignedData holds: digestAlgorithm Streebog-256 (or -512 for 512-bit keys), no eContent,
/// the signer certificate, and one SignerInfo with signed attributes contentType (data),
/// messageDigest, signingTime and signingCertificateV2 (Streebog-256 of the certificate +
/// IssuerSerial). The signature algorithm is the public-key OID, as OpenSSL writes it.
public enum CAdESBuilder {
    /// Signs `content` with `signer` and returns the DER SignedData.
    ///
    /// The signer receives the Streebog digest of the DER SET of signed attributes. Its answer is
    /// checked against its certificate before the CMS is returned, so a token answering in the wrong
    /// byte order fails here and not at ESIA.
    /// - Throws: `GOSTError`, or whatever the signer throws (PIN, token errors) unchanged.
    public static func sign(content: Data, signer: any DigestSigner, signingTime: Date = Date()) async throws -> Data {
        let digestSize = try signer.certificate.requireGOST().digest
        return try await sign(contentDigest: Streebog.hash(content, size: digestSize), signer: signer, signingTime: signingTime)
    }

    /// Like `sign(content:…)` with the content read from a file in chunks (never whole).
    public static func sign(contentFile path: String, signer: any DigestSigner, signingTime: Date = Date()) async throws -> Data {
        let digestSize = try signer.certificate.requireGOST().digest
        return try await sign(contentDigest: Streebog.hash(fileAt: path, size: digestSize), signer: signer, signingTime: signingTime)
    }

    private static func sign(contentDigest: Data, signer: any DigestSigner, signingTime: Date) async throws -> Data {
        try GOSTEngine.ensureLoaded()
        let certificate = signer.certificate
        let publicKey = try certificate.publicKey
        let digestSize = publicKey.keySize.digest
        let digestAlgorithm = AlgorithmIdentifier.withNullParameters(
            digestSize == .bits256 ? .streebog256 : .streebog512)

        let signedAttributes: [CMSAttribute]
        do {
            signedAttributes = try attributes(contentDigest: contentDigest, certificate: certificate, signingTime: signingTime)
        } catch let error as GOSTError {
            throw error
        } catch {
            throw GOSTError.signingFailed("cannot encode the signed attributes: \(error)")
        }
        var toBeSigned = DER.Serializer()
        try toBeSigned.serializeSetOf(signedAttributes)
        let digest = try Streebog.hash(Data(toBeSigned.serializedBytes), size: digestSize)

        let signature = try await signer.sign(digest: digest)
        guard signature.count == publicKey.keySize.signatureByteCount else {
            throw GOSTError.signingFailed("the signer returned \(signature.count) bytes; a \(publicKey.keySize) signature is \(publicKey.keySize.signatureByteCount) bytes (s‖r)")
        }
        guard publicKey.verify(signature: signature, digest: digest) else {
            throw GOSTError.signingFailed("the signer's signature does not verify with its certificate \(certificate.subject); wrong key, or the signer returns another byte order than s‖r big-endian")
        }

        let signerInfo = CMSSignerInfo(
            version: 1,
            signerIdentifier: .issuerAndSerialNumber(
                CMSIssuerAndSerialNumber(issuer: certificate.fields.issuer, serialNumber: certificate.fields.serialNumber)),
            digestAlgorithm: digestAlgorithm,
            signedAttributes: signedAttributes,
            signatureAlgorithm: .withNullParameters(publicKey.keySize == .bits256 ? .gostPublicKey256 : .gostPublicKey512),
            signature: ASN1OctetString(contentBytes: ArraySlice(signature)),
            unsignedAttributes: nil)
        let signedData = CMSSignedData(
            version: 1, digestAlgorithms: [digestAlgorithm],
            encapContentInfo: CMSEncapsulatedContentInfo(eContentType: .cmsData, eContent: nil),
            certificates: [try ASN1Any(derEncoded: [UInt8](certificate.der))], crls: nil,
            signerInfos: [signerInfo])
        var serializer = DER.Serializer()
        try serializer.serialize(CMSContentInfo(contentType: .cmsSignedData, content: try ASN1Any(erasing: signedData)))
        return Data(serializer.serializedBytes)
    }

    private static func attributes(contentDigest: Data, certificate: GOSTCertificate,
                                   signingTime: Date) throws -> [CMSAttribute] {
        let certificateID = ESSCertIDv2(
            hashAlgorithm: .withNullParameters(.streebog256),
            certificateHash: ASN1OctetString(contentBytes: ArraySlice(try Streebog.hash256(certificate.der))),
            issuerSerial: try ESSIssuerSerial(issuerName: certificate.fields.issuer,
                                              serialNumber: certificate.fields.serialNumber))
        return [
            try CMSAttribute(type: .contentTypeAttribute, value: ASN1ObjectIdentifier.cmsData),
            try CMSAttribute(type: .signingTimeAttribute, value: CMSTime(signingTime)),
            try CMSAttribute(type: .messageDigestAttribute, value: ASN1OctetString(contentBytes: ArraySlice(contentDigest))),
            try CMSAttribute(type: .signingCertificateV2Attribute,
                             value: SigningCertificateV2(certificates: [certificateID], policies: nil)),
        ]
    }
}

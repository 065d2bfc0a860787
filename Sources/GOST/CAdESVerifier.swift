import COpenSSL
import Foundation
import SwiftASN1

/// Verifies detached CMS / CAdES-BES signatures made with GOST R 34.10-2012 keys: ours, OpenSSL's
/// (`openssl cms -sign`), CryptoPro's.
///
/// Every failure names the check that failed (`VerificationFailure`). Trust in the signer
/// certificate's issuer is not judged here; that is the relying party's (ESIA's) business.
public enum CAdESVerifier {
    /// How strict to be about the signed attributes.
    public enum Profile: Sendable, Hashable {
        /// Plain CMS: signed attributes optional; contentType and messageDigest checked when present
        /// (they are mandatory once any signed attribute is there); signingCertificateV2 checked when present.
        case cms
        /// CAdES-BES as ESIA wants it: signingTime and signingCertificateV2 are required as well.
        case cadesBES
    }

    /// Verifies `signature` (DER, PEM or base64url of a detached SignedData) over `content`.
    /// - Parameters:
    ///   - date: when the signer certificate must have been valid; nil checks at the signed signingTime
    ///     when there is one, and skips the check otherwise.
    ///   - signerCertificate: used when the CMS embeds no certificate for its signer.
    /// - Throws: `GOSTError.verificationFailed` naming the failed check; `.malformedInput` for input
    ///   that is no signature encoding at all.
    public static func verify(signature: Data, content: Data, at date: Date? = nil, profile: Profile = .cms,
                              signerCertificate: GOSTCertificate? = nil) throws(GOSTError) -> CAdESVerification {
        try verify(signature: signature, at: date, profile: profile, signerCertificate: signerCertificate) { size throws(GOSTError) in
            try Streebog.hash(content, size: size)
        }
    }

    /// Like `verify(signature:content:…)` with the content read from a file in chunks.
    public static func verify(signature: Data, contentFile path: String, at date: Date? = nil, profile: Profile = .cms,
                              signerCertificate: GOSTCertificate? = nil) throws(GOSTError) -> CAdESVerification {
        try verify(signature: signature, at: date, profile: profile, signerCertificate: signerCertificate) { size throws(GOSTError) in
            try Streebog.hash(fileAt: path, size: size)
        }
    }

    private static func verify(signature input: Data, at date: Date?, profile: Profile, signerCertificate supplied: GOSTCertificate?,
                               contentDigest: (Streebog.Size) throws(GOSTError) -> Data) throws(GOSTError) -> CAdESVerification {
        try GOSTEngine.ensureLoaded()
        let der = try SignatureEncoding.cmsDER(from: input)
        let (signedData, signerInfo) = try parse(der)

        let digestSize = try digestSize(of: signerInfo.digestAlgorithm)
        var embedded: [GOSTCertificate] = []
        // Attribute certificates and other CertificateChoices are not X.509 certificates; skip them.
        for any in signedData.certificates ?? [] where any.derBytes.first == 0x30 {
            do {
                embedded.append(try GOSTCertificate(der: Data(any.derBytes)))
            } catch {
                throw .verificationFailed(.structureInvalid("an embedded certificate cannot be read: \(error)"))
            }
        }
        guard let certificate = embedded.first(where: { matches($0, signerInfo.signerIdentifier) }) ?? supplied else {
            throw .verificationFailed(.signerCertificateMissing)
        }
        let publicKey: GOSTPublicKey
        do {
            publicKey = try certificate.publicKey
        } catch {
            throw .verificationFailed(.unsupportedAlgorithm("the signer certificate \(certificate.subject) has a \(certificate.keyAlgorithm) key"))
        }
        guard publicKey.keySize.digest == digestSize else {
            throw .verificationFailed(.unsupportedAlgorithm("a \(publicKey.keySize) key with a \(digestSize) digest"))
        }
        let signatureOID = signerInfo.signatureAlgorithm.algorithm
        let acceptedSignatureOIDs: [ASN1ObjectIdentifier] = publicKey.keySize == .bits256
            ? [.gostPublicKey256, [1, 2, 643, 7, 1, 1, 3, 2]] : [.gostPublicKey512, [1, 2, 643, 7, 1, 1, 3, 3]]
        guard acceptedSignatureOIDs.contains(signatureOID) else {
            throw .verificationFailed(.unsupportedAlgorithm("signature algorithm \(signatureOID) does not fit a \(publicKey.keySize) key"))
        }

        let signatureBytes = Data(signerInfo.signature.bytes)
        let actualContentDigest = try contentDigest(digestSize)

        guard signerInfo.signedAttributes != nil else {
            // Plain CMS without attributes: the signature covers the content digest itself.
            if profile == .cadesBES { throw .verificationFailed(.signedAttributeInvalid("signedAttrs (none present)")) }
            guard publicKey.verify(signature: signatureBytes, digest: actualContentDigest) else {
                throw .verificationFailed(.signatureInvalid)
            }
            try checkValidity(of: certificate, at: date, signingTime: nil)
            return CAdESVerification(signerCertificate: certificate, signingTime: nil, digest: digestSize,
                                     hasSigningCertificateV2: false, embeddedCertificates: embedded)
        }

        try checkContentType(signerInfo, signedData)
        guard let signedDigest = try octetStringAttribute(signerInfo, .messageDigestAttribute, name: "messageDigest") else {
            throw .verificationFailed(.signedAttributeInvalid("messageDigest"))
        }
        guard signedDigest == actualContentDigest else { throw .verificationFailed(.contentDigestMismatch) }

        let hasSigningCertificate = try checkSigningCertificate(signerInfo, certificate: certificate)
        if !hasSigningCertificate, profile == .cadesBES { throw .verificationFailed(.signingCertificateMissing) }

        let toBeSigned: [UInt8]
        do {
            toBeSigned = try signerInfo.signedAttributesForSigning() ?? []
        } catch {
            throw .verificationFailed(.structureInvalid("signed attributes cannot be re-encoded: \(error)"))
        }
        guard publicKey.verify(signature: signatureBytes, digest: try Streebog.hash(Data(toBeSigned), size: digestSize)) else {
            throw .verificationFailed(.signatureInvalid)
        }

        let signingTime = try signingTime(signerInfo)
        if signingTime == nil, profile == .cadesBES {
            throw .verificationFailed(.signedAttributeInvalid("signingTime (absent)"))
        }
        try checkValidity(of: certificate, at: date, signingTime: signingTime)
        return CAdESVerification(signerCertificate: certificate, signingTime: signingTime, digest: digestSize,
                                 hasSigningCertificateV2: hasSigningCertificate, embeddedCertificates: embedded)
    }

    private static func parse(_ der: Data) throws(GOSTError) -> (CMSSignedData, CMSSignerInfo) {
        let contentInfo: CMSContentInfo
        do {
            contentInfo = try CMSContentInfo(derEncoded: [UInt8](der))
        } catch {
            throw .verificationFailed(.structureInvalid("not a DER CMS ContentInfo (\(error))"))
        }
        guard contentInfo.contentType == .cmsSignedData else {
            throw .verificationFailed(.structureInvalid("content type \(contentInfo.contentType) is not signedData"))
        }
        let signedData: CMSSignedData
        do {
            signedData = try CMSSignedData(asn1Any: contentInfo.content)
        } catch {
            throw .verificationFailed(.structureInvalid("SignedData cannot be read (\(error))"))
        }
        guard signedData.signerInfos.count == 1, let signerInfo = signedData.signerInfos.first else {
            throw .verificationFailed(.structureInvalid("\(signedData.signerInfos.count) signers; exactly one expected"))
        }
        guard signedData.encapContentInfo.eContent == nil else {
            throw .verificationFailed(.structureInvalid("the content is attached (eContent present); a detached signature is expected"))
        }
        guard signedData.encapContentInfo.eContentType == .cmsData else {
            throw .verificationFailed(.structureInvalid("encapsulated content type \(signedData.encapContentInfo.eContentType) is not data"))
        }
        return (signedData, signerInfo)
    }

    private static func digestSize(of algorithm: AlgorithmIdentifier) throws(GOSTError) -> Streebog.Size {
        switch algorithm.algorithm {
        case .streebog256: return .bits256
        case .streebog512: return .bits512
        default: throw .verificationFailed(.unsupportedAlgorithm("digest algorithm \(algorithm.algorithm) is not Streebog"))
        }
    }

    private static func matches(_ certificate: GOSTCertificate, _ identifier: CMSSignerIdentifier) -> Bool {
        switch identifier {
        case .issuerAndSerialNumber(let issuerAndSerial):
            return issuerAndSerial.issuer == certificate.fields.issuer
                && issuerAndSerial.serialNumber == certificate.fields.serialNumber
        case .subjectKeyIdentifier(let keyIdentifier):
            return certificate.withUnsafeX509 { x509 in
                guard let ski = X509_get0_subject_key_id(x509), let data = ASN1_STRING_get0_data(ski) else { return false }
                return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(ski)))) == Array(keyIdentifier.bytes)
            }
        }
    }

    private static func checkContentType(_ signerInfo: CMSSignerInfo, _ signedData: CMSSignedData) throws(GOSTError) {
        do {
            guard let value = try signerInfo.signedAttribute(.contentTypeAttribute)?.singleValue else {
                throw GOSTError.verificationFailed(.signedAttributeInvalid("contentType"))
            }
            guard try ASN1ObjectIdentifier(asn1Any: value) == signedData.encapContentInfo.eContentType else {
                throw GOSTError.verificationFailed(.signedAttributeInvalid("contentType (differs from the encapsulated content type)"))
            }
        } catch let error as GOSTError {
            throw error
        } catch {
            throw .verificationFailed(.signedAttributeInvalid("contentType"))
        }
    }

    private static func octetStringAttribute(_ signerInfo: CMSSignerInfo, _ type: ASN1ObjectIdentifier,
                                             name: String) throws(GOSTError) -> Data? {
        do {
            guard let attribute = try signerInfo.signedAttribute(type) else { return nil }
            guard let value = attribute.singleValue else { throw GOSTError.verificationFailed(.signedAttributeInvalid(name)) }
            return Data(try ASN1OctetString(asn1Any: value).bytes)
        } catch let error as GOSTError {
            throw error
        } catch {
            throw .verificationFailed(.signedAttributeInvalid(name))
        }
    }

    /// Checks signingCertificateV2 against `certificate`; false when the attribute is absent.
    private static func checkSigningCertificate(_ signerInfo: CMSSignerInfo, certificate: GOSTCertificate) throws(GOSTError) -> Bool {
        let attribute: SigningCertificateV2
        do {
            guard let found = try signerInfo.signedAttribute(.signingCertificateV2Attribute) else { return false }
            guard let value = found.singleValue else { throw GOSTError.verificationFailed(.signedAttributeInvalid("signingCertificateV2")) }
            attribute = try SigningCertificateV2(asn1Any: value)
        } catch let error as GOSTError {
            throw error
        } catch {
            throw .verificationFailed(.signedAttributeInvalid("signingCertificateV2"))
        }
        // The first ESSCertIDv2 names the signer certificate (RFC 5035 §3).
        guard let first = attribute.certificates.first else {
            throw .verificationFailed(.signedAttributeInvalid("signingCertificateV2 (no certificate identifiers)"))
        }
        let actualHash: Data
        switch first.hashAlgorithm.algorithm {
        case .streebog256: actualHash = try Streebog.hash256(certificate.der)
        case .streebog512: actualHash = try Streebog.hash512(certificate.der)
        case .sha256: actualHash = try sha256(certificate.der)
        default:
            throw .verificationFailed(.signedAttributeInvalid("signingCertificateV2 (hash algorithm \(first.hashAlgorithm.algorithm) not supported)"))
        }
        guard Data(first.certificateHash.bytes) == actualHash else { throw .verificationFailed(.signingCertificateMismatch) }
        if let issuerSerial = first.issuerSerial {
            guard issuerSerial.serialNumber == certificate.fields.serialNumber,
                  issuerSerial.directoryNames.contains(certificate.fields.issuer) else {
                throw .verificationFailed(.signingCertificateMismatch)
            }
        }
        return true
    }

    private static func signingTime(_ signerInfo: CMSSignerInfo) throws(GOSTError) -> Date? {
        do {
            guard let attribute = try signerInfo.signedAttribute(.signingTimeAttribute) else { return nil }
            guard let value = attribute.singleValue, let date = try CMSTime(derEncoded: DER.parse(value.derBytes)).date else {
                throw GOSTError.verificationFailed(.signedAttributeInvalid("signingTime"))
            }
            return date
        } catch let error as GOSTError {
            throw error
        } catch {
            throw .verificationFailed(.signedAttributeInvalid("signingTime"))
        }
    }

    private static func checkValidity(of certificate: GOSTCertificate, at date: Date?, signingTime: Date?) throws(GOSTError) {
        let moment = date ?? signingTime
        guard let moment else { return }
        do {
            try certificate.checkValidity(at: moment)
        } catch {
            guard case .certificateRejected(let why) = error else { throw error }
            throw .verificationFailed(date == nil ? .certificateNotValidAtSigningTime(why) : .certificateNotValid(why))
        }
    }

    private static func sha256(_ data: Data) throws(GOSTError) -> Data {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let bytes = [UInt8](data)
        guard EVP_Digest(bytes, bytes.count, &output, &length, EVP_sha256(), nil) == 1 else {
            throw .engineUnavailable("SHA-256 failed: \(OpenSSLError.drain())")
        }
        return Data(output.prefix(Int(length)))
    }
}

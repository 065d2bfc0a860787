import Foundation
@testable import GOST
import SwiftASN1
import Testing
import TestSupport

/// Each CMS/ESS structure parses and re-encodes byte for byte, on our output and on OpenSSL's.
@Suite struct CMSStructureTests {
    static func roundTrip<T: DERParseable & DERSerializable & Equatable>(_ value: T) throws {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        let parsed = try T(derEncoded: serializer.serializedBytes)
        #expect(parsed == value, "\(T.self) changed in a round trip")
        var again = DER.Serializer()
        try again.serialize(parsed)
        #expect(again.serializedBytes == serializer.serializedBytes, "\(T.self) re-encodes differently")
    }

    /// Parses `der` as `T` and expects the same bytes back.
    static func reencodes<T: DERParseable & DERSerializable>(_ type: T.Type, _ der: [UInt8]) throws {
        var serializer = DER.Serializer()
        try serializer.serialize(try T(derEncoded: der))
        #expect(serializer.serializedBytes == der, "\(T.self) does not re-encode byte for byte")
    }

    static func anyBytes(_ value: some DERSerializable) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        return serializer.serializedBytes
    }

    @Test func everyStructureRoundTrips() throws {
        let key = try GOSTPrivateKey.generate()
        let ca = try CertificateIssuer.makeCA(subject: DistinguishedName(commonName: "Round Trip"), key: key)
        let certificate = ca.certificate
        let issuerSerial = try ESSIssuerSerial(issuerName: certificate.fields.issuer, serialNumber: certificate.fields.serialNumber)
        #expect(issuerSerial.directoryNames == [certificate.fields.issuer])
        let certificateID = ESSCertIDv2(hashAlgorithm: .withNullParameters(.streebog256),
                                        certificateHash: ASN1OctetString(contentBytes: ArraySlice(try Streebog.hash256(certificate.der))),
                                        issuerSerial: issuerSerial)
        let signingCertificate = SigningCertificateV2(certificates: [certificateID], policies: nil)
        let attributes = [
            try CMSAttribute(type: .contentTypeAttribute, value: ASN1ObjectIdentifier.cmsData),
            try CMSAttribute(type: .signingTimeAttribute, value: CMSTime(Date(timeIntervalSince1970: 1_780_000_000))),
            try CMSAttribute(type: .signingCertificateV2Attribute, value: signingCertificate),
        ]
        let sid = CMSIssuerAndSerialNumber(issuer: certificate.fields.issuer, serialNumber: certificate.fields.serialNumber)
        let signerInfo = CMSSignerInfo(version: 1, signerIdentifier: .issuerAndSerialNumber(sid),
                                       digestAlgorithm: .withNullParameters(.streebog256), signedAttributes: attributes,
                                       signatureAlgorithm: .withNullParameters(.gostPublicKey256),
                                       signature: ASN1OctetString(contentBytes: ArraySlice(repeating: 7, count: 64)),
                                       unsignedAttributes: nil)
        let encap = CMSEncapsulatedContentInfo(eContentType: .cmsData, eContent: nil)
        let signedData = CMSSignedData(version: 1, digestAlgorithms: [.withNullParameters(.streebog256)],
                                       encapContentInfo: encap,
                                       certificates: [try ASN1Any(derEncoded: [UInt8](certificate.der))], crls: nil,
                                       signerInfos: [signerInfo])

        try Self.roundTrip(AlgorithmIdentifier.withNullParameters(.streebog512))
        try Self.roundTrip(AlgorithmIdentifier(algorithm: .sha256, parameters: nil))
        try Self.roundTrip(issuerSerial)
        try Self.roundTrip(certificateID)
        try Self.roundTrip(ESSCertIDv2(hashAlgorithm: ESSCertIDv2.defaultHashAlgorithm,
                                       certificateHash: ASN1OctetString(contentBytes: [1, 2, 3]), issuerSerial: nil))
        try Self.roundTrip(signingCertificate)
        for attribute in attributes { try Self.roundTrip(attribute) }
        try Self.roundTrip(sid)
        try Self.roundTrip(CMSSignerIdentifier.issuerAndSerialNumber(sid))
        try Self.roundTrip(CMSSignerIdentifier.subjectKeyIdentifier(ASN1OctetString(contentBytes: [9, 9, 9])))
        try Self.roundTrip(signerInfo)
        try Self.roundTrip(encap)
        try Self.roundTrip(CMSEncapsulatedContentInfo(eContentType: .cmsData, eContent: ASN1OctetString(contentBytes: [1])))
        try Self.roundTrip(signedData)
        try Self.roundTrip(CMSContentInfo(contentType: .cmsSignedData, content: try ASN1Any(erasing: signedData)))
        try Self.roundTrip(CMSTime(Date(timeIntervalSince1970: 1_780_000_000)))
        try Self.roundTrip(CMSTime(Date(timeIntervalSince1970: 4_200_000_000)))
        try Self.roundTrip(try SubjectPublicKeyInfo(derEncoded: [UInt8](key.publicKey.subjectPublicKeyInfoDER)))

        // The ESSCertIDv2 DEFAULT hash algorithm is left out of the encoding, as DER requires.
        let defaulted = try Self.anyBytes(ESSCertIDv2(hashAlgorithm: ESSCertIDv2.defaultHashAlgorithm,
                                                      certificateHash: ASN1OctetString(contentBytes: [1]), issuerSerial: nil))
        #expect(defaulted == [0x30, 0x03, 0x04, 0x01, 0x01])
        // UTCTime up to 2049, GeneralizedTime after.
        #expect(try Self.anyBytes(CMSTime(Date(timeIntervalSince1970: 1_780_000_000))).first == 0x17)
        #expect(try Self.anyBytes(CMSTime(Date(timeIntervalSince1970: 4_200_000_000))).first == 0x18)
        #expect(try CMSTime(Date(timeIntervalSince1970: 4_200_000_000)).date == Date(timeIntervalSince1970: 4_200_000_000))
    }

    @Test func ourAndOpenSSLsSignaturesReencodeByteForByte() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        let contentPath = directory.path("content.txt"), cmsPath = directory.path("openssl.p7s")
        try Data("content".utf8).write(to: URL(fileURLWithPath: contentPath))
        try OpenSSLCLI.check(["cms", "-sign", "-binary", "-in", contentPath, "-signer", pair.certificatePath,
                              "-inkey", pair.keyPath, "-outform", "DER", "-out", cmsPath])
        let theirs = try [UInt8](Data(contentsOf: URL(fileURLWithPath: cmsPath)))
        let signer = try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath)
        let ours = try [UInt8](await CAdESBuilder.sign(content: Data("content".utf8), signer: signer))

        for der in [theirs, ours] {
            try Self.reencodes(CMSContentInfo.self, der)
            let contentInfo = try CMSContentInfo(derEncoded: der)
            let signedData = try CMSSignedData(asn1Any: contentInfo.content)
            try Self.reencodes(CMSSignedData.self, contentInfo.content.derBytes)
            let signerInfo = try #require(signedData.signerInfos.first)
            let signerInfoBytes = try Self.anyBytes(signerInfo)
            try Self.reencodes(CMSSignerInfo.self, signerInfoBytes)
            for attribute in signerInfo.signedAttributes ?? [] {
                try Self.reencodes(CMSAttribute.self, try Self.anyBytes(attribute))
            }
            // The bytes handed to the signer start with the SET tag, not the [0] tag.
            let toBeSigned = try #require(try signerInfo.signedAttributesForSigning())
            #expect(toBeSigned.first == 0x31)
            #expect(signerInfoBytes.contains(0xA0))
        }
        // OpenSSL's attributes, in openssl's order, verify through our parse as well.
        let parsed = try CMSSignedData(asn1Any: CMSContentInfo(derEncoded: theirs).content)
        #expect(parsed.signerInfos.first?.signedAttributes?.count == 4)
    }
}

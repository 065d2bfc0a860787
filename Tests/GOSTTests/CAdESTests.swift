import Foundation
import GOST
import Testing
import TestSupport

/// Detached CAdES-BES: ours checked by `openssl cms`, OpenSSL's checked by ours, tampering caught by name.
@Suite struct CAdESTests {
    /// A CA-issued signer, its key, and files openssl can read.
    struct Signer {
        let directory: TemporaryDirectory
        let signer: SoftwareSigner
        let caPath: String
        let certificatePath: String
        let keyPath: String
    }

    static func makeSigner(_ parameterSet: GOSTParameterSet = .cryptoProA, commonName: String = "Подписант API-KEY",
                           notBefore: Date = Date(timeIntervalSinceNow: -86_400),
                           notAfter: Date = Date(timeIntervalSinceNow: 365 * 86_400)) throws -> Signer {
        let directory = try TemporaryDirectory()
        let ca = try CertificateIssuer.makeCA(subject: DistinguishedName(commonName: "Test CA"),
                                              key: GOSTPrivateKey.generate(),
                                              notBefore: Date(timeIntervalSinceNow: -1000 * 86_400))
        let key = try GOSTPrivateKey.generate(parameterSet: parameterSet)
        let certificate = try ca.issue(subject: DistinguishedName(commonName: commonName, organization: "ООО Ромашка",
                                                                  ogrn: "1027700132195"),
                                       publicKey: key.publicKey, profile: .signer, notBefore: notBefore, notAfter: notAfter)
        let signer = Signer(directory: directory, signer: try SoftwareSigner(key: key, certificate: certificate),
                            caPath: directory.path("ca.pem"), certificatePath: directory.path("signer.pem"),
                            keyPath: directory.path("signer.key"))
        try ca.certificate.pem.write(toFile: signer.caPath, atomically: true, encoding: .utf8)
        try certificate.pem.write(toFile: signer.certificatePath, atomically: true, encoding: .utf8)
        try key.pem.write(toFile: signer.keyPath, atomically: true, encoding: .utf8)
        return signer
    }

    static let apiKey = Data("3f2a9c1e-7b4d-4e8a-9f10-2c5d6e7f8a9b".utf8)

    @Test(arguments: [GOSTParameterSet.cryptoProA, .tc26_256A, .tc26_512A])
    func ourSignaturePassesOpenSSLCMSVerify(parameterSet: GOSTParameterSet) async throws {
        let fixture = try Self.makeSigner(parameterSet)
        defer { fixture.directory.remove() }
        let signingTime = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let cms = try await CAdESBuilder.sign(content: Self.apiKey, signer: fixture.signer, signingTime: signingTime)
        let cmsPath = fixture.directory.path("sig.p7s"), contentPath = fixture.directory.path("content.txt")
        try cms.write(to: URL(fileURLWithPath: cmsPath))
        try Self.apiKey.write(to: URL(fileURLWithPath: contentPath))

        let verified = try OpenSSLCLI.run(["cms", "-verify", "-binary", "-inform", "DER", "-in", cmsPath,
                                           "-content", contentPath, "-CAfile", fixture.caPath, "-out", "/dev/null"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stderr.contains("Verification successful"))

        let printed = try OpenSSLCLI.check(["cms", "-cmsout", "-print", "-inform", "DER", "-in", cmsPath]).stdoutText
        #expect(printed.contains("1.2.840.113549.1.9.16.2.47"))
        #expect(printed.contains("eContent: <ABSENT>"))
        let size = parameterSet.keySize
        #expect(printed.contains("(\(size.digest.oid))"))
        #expect(printed.contains("(\(size.publicKeyOID))"))

        // The ESSCertIDv2 hash is openssl's Streebog-256 of the certificate DER.
        let derPath = fixture.directory.path("signer.der")
        try OpenSSLCLI.check(["x509", "-in", fixture.certificatePath, "-outform", "DER", "-out", derPath])
        let certificateHash = try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", derPath]).stdout
        let structure = try OpenSSLCLI.check(["asn1parse", "-inform", "DER", "-in", cmsPath]).stdoutText
        #expect(structure.contains("[HEX DUMP]:" + certificateHash.map { String(format: "%02X", $0) }.joined()))

        // And our own verifier, strictly.
        let result = try CAdESVerifier.verify(signature: cms, content: Self.apiKey, profile: .cadesBES)
        #expect(result.signerCertificate == fixture.signer.certificate)
        #expect(result.signingTime == signingTime)
        #expect(result.hasSigningCertificateV2)
        #expect(result.digest == size.digest)
    }

    @Test func serialNumbersWithTheHighBitSetSurviveTheRoundTrip() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyPath = directory.path("key.pem"), certificatePath = directory.path("cert.pem")
        try OpenSSLCLI.check(["genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", keyPath])
        try OpenSSLCLI.check(["req", "-new", "-x509", "-key", keyPath, "-subj", "/CN=high serial", "-days", "2",
                              "-set_serial", "0x8F0102030405060708", "-out", certificatePath])
        let signer = try SoftwareSigner(keyFile: keyPath, certificateFile: certificatePath)
        #expect(signer.certificate.serialNumber == "8F0102030405060708")
        let cms = try await CAdESBuilder.sign(content: Self.apiKey, signer: signer)
        let cmsPath = directory.path("sig.p7s"), contentPath = directory.path("content.txt")
        try cms.write(to: URL(fileURLWithPath: cmsPath))
        try Self.apiKey.write(to: URL(fileURLWithPath: contentPath))
        let verified = try OpenSSLCLI.run(["cms", "-verify", "-binary", "-inform", "DER", "-in", cmsPath,
                                           "-content", contentPath, "-CAfile", certificatePath, "-out", "/dev/null"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(try CAdESVerifier.verify(signature: cms, content: Self.apiKey, profile: .cadesBES).signerCertificate == signer.certificate)
    }

    @Test func opensslCMSSignPassesOursAndLacksOnlySigningCertificateV2() throws {
        let fixture = try Self.makeSigner()
        defer { fixture.directory.remove() }
        let contentPath = fixture.directory.path("content.txt"), cmsPath = fixture.directory.path("openssl.p7s")
        try Self.apiKey.write(to: URL(fileURLWithPath: contentPath))
        try OpenSSLCLI.check(["cms", "-sign", "-binary", "-in", contentPath, "-signer", fixture.certificatePath,
                              "-inkey", fixture.keyPath, "-md", "md_gost12_256", "-outform", "DER", "-out", cmsPath])
        let cms = try Data(contentsOf: URL(fileURLWithPath: cmsPath))

        let result = try CAdESVerifier.verify(signature: cms, content: Self.apiKey)
        #expect(result.signerCertificate == fixture.signer.certificate)
        #expect(!result.hasSigningCertificateV2)
        #expect(result.signingTime != nil)
        #expect(throws: GOSTError.verificationFailed(.signingCertificateMissing)) {
            try CAdESVerifier.verify(signature: cms, content: Self.apiKey, profile: .cadesBES)
        }
        #expect(throws: GOSTError.verificationFailed(.contentDigestMismatch)) {
            try CAdESVerifier.verify(signature: cms, content: Data("other".utf8))
        }

        // BER with indefinite lengths is read too: openssl -stream output (attached, so refused as such) …
        let streamed = fixture.directory.path("streamed.p7s")
        try OpenSSLCLI.check(["cms", "-sign", "-binary", "-stream", "-in", contentPath, "-signer", fixture.certificatePath,
                              "-inkey", fixture.keyPath, "-outform", "DER", "-out", streamed])
        let ber = try Data(contentsOf: URL(fileURLWithPath: streamed))
        #expect(ber[1] == 0x80, "openssl -stream no longer writes indefinite lengths; this check proves nothing")
        #expect {
            try CAdESVerifier.verify(signature: ber, content: Self.apiKey)
        } throws: { error in
            guard case GOSTError.verificationFailed(.structureInvalid(let why)) = error else { return false }
            return why.contains("attached")
        }
        // … and a detached one with an indefinite outer length, which openssl accepts as well.
        let definite = try #require(cms.first == 0x30 && cms[1] == 0x82 ? cms : nil)
        let indefinite = Data([0x30, 0x80]) + definite.dropFirst(4) + Data([0, 0])
        let indefinitePath = fixture.directory.path("indefinite.p7s")
        try indefinite.write(to: URL(fileURLWithPath: indefinitePath))
        let opensslOnBER = try OpenSSLCLI.run(["cms", "-verify", "-binary", "-inform", "DER", "-in", indefinitePath,
                                               "-content", contentPath, "-CAfile", fixture.caPath, "-out", "/dev/null"])
        #expect(opensslOnBER.status == 0, "\(opensslOnBER.stderr)")
        #expect(try CAdESVerifier.verify(signature: indefinite, content: Self.apiKey).signerCertificate == fixture.signer.certificate)
        #expect(throws: GOSTError.verificationFailed(.contentDigestMismatch)) {
            try CAdESVerifier.verify(signature: indefinite, content: Data("other".utf8))
        }
        // PEM and base64url forms of the same signature are accepted too.
        let pem = try OpenSSLCLI.check(["cms", "-cmsout", "-inform", "DER", "-in", cmsPath, "-outform", "PEM"]).stdout
        #expect(try CAdESVerifier.verify(signature: pem, content: Self.apiKey).signerCertificate == fixture.signer.certificate)
        let base64url = Data(Base64URL.encode(cms).utf8)
        #expect(try CAdESVerifier.verify(signature: base64url, content: Self.apiKey).signerCertificate == fixture.signer.certificate)
    }

    @Test func opensslSignaturesWithoutSignedAttributesAndWithout512BitKeys() throws {
        let fixture = try Self.makeSigner(.tc26_512B)
        defer { fixture.directory.remove() }
        let contentPath = fixture.directory.path("content.txt")
        try Self.apiKey.write(to: URL(fileURLWithPath: contentPath))
        for (name, extra) in [("noattr", ["-noattr"]), ("nosmimecap", ["-nosmimecap"])] {
            let cmsPath = fixture.directory.path("\(name).p7s")
            try OpenSSLCLI.check(["cms", "-sign", "-binary", "-in", contentPath, "-signer", fixture.certificatePath,
                                  "-inkey", fixture.keyPath, "-outform", "DER", "-out", cmsPath] + extra)
            let cms = try Data(contentsOf: URL(fileURLWithPath: cmsPath))
            let result = try CAdESVerifier.verify(signature: cms, content: Self.apiKey)
            #expect(result.digest == .bits512)
            if name == "noattr" {
                #expect(result.signingTime == nil)
                #expect(throws: GOSTError.verificationFailed(.signedAttributeInvalid("signedAttrs (none present)"))) {
                    try CAdESVerifier.verify(signature: cms, content: Self.apiKey, profile: .cadesBES)
                }
                #expect(throws: GOSTError.verificationFailed(.signatureInvalid)) {
                    try CAdESVerifier.verify(signature: cms, content: Data("other".utf8))
                }
            }
        }
    }

    @Test func tamperingIsReportedAsTheCheckThatFailed() async throws {
        let fixture = try Self.makeSigner(commonName: "Unique Signer Name", notBefore: Date(timeIntervalSince1970: 1_700_000_000))
        defer { fixture.directory.remove() }
        let signingTime = Date(timeIntervalSince1970: 1_780_000_000)
        let cms = try await CAdESBuilder.sign(content: Self.apiKey, signer: fixture.signer, signingTime: signingTime)

        // Content.
        var content = Self.apiKey
        content[0] ^= 0x01
        #expect(throws: GOSTError.verificationFailed(.contentDigestMismatch)) {
            try CAdESVerifier.verify(signature: cms, content: content)
        }
        // Signature value: the last bytes of the DER are the signature OCTET STRING.
        var signature = cms
        signature[signature.count - 3] ^= 0x01
        #expect(throws: GOSTError.verificationFailed(.signatureInvalid)) {
            try CAdESVerifier.verify(signature: signature, content: Self.apiKey)
        }
        // A signed attribute: one digit of the UTCTime signingTime ("260528…" for 2026-05-28).
        let time = Data("260528".utf8)
        let timeRange = try #require(cms.range(of: time))
        var attribute = cms
        attribute[timeRange.lowerBound + 5] ^= 0x01
        #expect(throws: GOSTError.verificationFailed(.signatureInvalid)) {
            try CAdESVerifier.verify(signature: attribute, content: Self.apiKey)
        }
        // The embedded certificate: one letter of the subject CN (the sid names the issuer, not the subject).
        let nameRange = try #require(cms.range(of: Data("Unique Signer Name".utf8)))
        var certificate = cms
        certificate[nameRange.lowerBound] ^= 0x20
        #expect(throws: GOSTError.verificationFailed(.signingCertificateMismatch)) {
            try CAdESVerifier.verify(signature: certificate, content: Self.apiKey)
        }
        // openssl agrees that each tampered file is bad.
        for (name, data, verifyContent) in [("content", cms, content), ("signature", signature, Self.apiKey),
                                            ("attribute", attribute, Self.apiKey)] {
            let cmsPath = fixture.directory.path("\(name).p7s"), contentPath = fixture.directory.path("\(name).txt")
            try data.write(to: URL(fileURLWithPath: cmsPath))
            try verifyContent.write(to: URL(fileURLWithPath: contentPath))
            let result = try OpenSSLCLI.run(["cms", "-verify", "-binary", "-inform", "DER", "-in", cmsPath,
                                             "-content", contentPath, "-CAfile", fixture.caPath, "-out", "/dev/null"])
            #expect(result.status != 0, "openssl accepted the tampered \(name)")
        }
    }

    @Test func validityIsCheckedAtSigningTimeOrAtTheGivenDate() async throws {
        let fixture = try Self.makeSigner(notBefore: Date(timeIntervalSinceNow: -400 * 86_400),
                                          notAfter: Date(timeIntervalSinceNow: -30 * 86_400))
        defer { fixture.directory.remove() }
        // Signed while the certificate was valid: fine at signing time, not now.
        let earlier = Date(timeIntervalSinceNow: -100 * 86_400)
        let cms = try await CAdESBuilder.sign(content: Self.apiKey, signer: fixture.signer, signingTime: earlier)
        #expect(throws: Never.self) { try CAdESVerifier.verify(signature: cms, content: Self.apiKey) }
        #expect {
            try CAdESVerifier.verify(signature: cms, content: Self.apiKey, at: Date())
        } throws: { error in
            guard case GOSTError.verificationFailed(.certificateNotValid(let why)) = error else { return false }
            return why.contains("expired on")
        }
        // Signed (by the clock) after expiry.
        let late = try await CAdESBuilder.sign(content: Self.apiKey, signer: fixture.signer, signingTime: Date())
        #expect {
            try CAdESVerifier.verify(signature: late, content: Self.apiKey)
        } throws: { error in
            guard case GOSTError.verificationFailed(.certificateNotValidAtSigningTime) = error else { return false }
            return true
        }
    }

    @Test func aSignerThatAnswersInTheWrongByteOrderIsCaughtWhenBuilding() async throws {
        struct ReversingSigner: DigestSigner {
            let inner: SoftwareSigner
            var certificate: GOSTCertificate { inner.certificate }
            func sign(digest: Data) async throws -> Data {
                GOSTByteOrder.reversed(try await inner.sign(digest: digest))
            }
        }
        let fixture = try Self.makeSigner()
        defer { fixture.directory.remove() }
        await #expect {
            try await CAdESBuilder.sign(content: Self.apiKey, signer: ReversingSigner(inner: fixture.signer))
        } throws: { error in
            guard case GOSTError.signingFailed(let message) = error else { return false }
            return message.contains("byte order")
        }
    }

    @Test func garbageAndWrongStructuresAreStructureErrors() async throws {
        let fixture = try Self.makeSigner()
        defer { fixture.directory.remove() }
        for input in [Data([0x30, 0x03, 0x02, 0x01, 0x01]), Data("-----BEGIN CMS-----\nMAMCAQE=\n-----END CMS-----\n".utf8)] {
            #expect {
                try CAdESVerifier.verify(signature: input, content: Self.apiKey)
            } throws: { error in
                if case GOSTError.verificationFailed(.structureInvalid) = error { return true }
                return false
            }
        }
        #expect(throws: GOSTError.self) { try CAdESVerifier.verify(signature: Data("%%% not base64 %%%".utf8), content: Self.apiKey) }
        #expect(throws: GOSTError.self) { try CAdESVerifier.verify(signature: Data(), content: Self.apiKey) }

        // Attached content is not what ESIA wants.
        let contentPath = fixture.directory.path("content.txt"), cmsPath = fixture.directory.path("attached.p7s")
        try Self.apiKey.write(to: URL(fileURLWithPath: contentPath))
        try OpenSSLCLI.check(["cms", "-sign", "-nodetach", "-binary", "-in", contentPath, "-signer", fixture.certificatePath,
                              "-inkey", fixture.keyPath, "-outform", "DER", "-out", cmsPath])
        #expect {
            try CAdESVerifier.verify(signature: Data(contentsOf: URL(fileURLWithPath: cmsPath)), content: Self.apiKey)
        } throws: { error in
            guard case GOSTError.verificationFailed(.structureInvalid(let why)) = error else { return false }
            return why.contains("attached")
        }
    }

    @Test func certificateIsOnlyNeededFromOutsideWhenNotEmbedded() throws {
        let fixture = try Self.makeSigner()
        defer { fixture.directory.remove() }
        let contentPath = fixture.directory.path("content.txt"), cmsPath = fixture.directory.path("nocerts.p7s")
        try Self.apiKey.write(to: URL(fileURLWithPath: contentPath))
        try OpenSSLCLI.check(["cms", "-sign", "-binary", "-nocerts", "-in", contentPath, "-signer", fixture.certificatePath,
                              "-inkey", fixture.keyPath, "-outform", "DER", "-out", cmsPath])
        let cms = try Data(contentsOf: URL(fileURLWithPath: cmsPath))
        #expect(throws: GOSTError.verificationFailed(.signerCertificateMissing)) {
            try CAdESVerifier.verify(signature: cms, content: Self.apiKey)
        }
        let result = try CAdESVerifier.verify(signature: cms, content: Self.apiKey, signerCertificate: fixture.signer.certificate)
        #expect(result.embeddedCertificates.isEmpty)
    }

    @Test func rawESIASignaturesAgreeWithOpenSSLPkeyutl() async throws {
        let fixture = try Self.makeSigner()
        defer { fixture.directory.remove() }
        let text = "clientid" + "openid fullname" + "" + "2026.05.28 12:00:00 +0300" + "6f1c1e8e-0a0b-4c5d-8e9f-a1b2c3d4e5f6" + "https://example.test/cb"
        let secret = try await RawSignature.clientSecret(for: text, signer: fixture.signer)
        #expect(!secret.contains("=") && !secret.contains("+") && !secret.contains("/"))
        let signature = try Base64URL.decode(secret)
        #expect(signature.count == 64)

        let messagePath = fixture.directory.path("message.txt"), digestPath = fixture.directory.path("digest.bin")
        let signaturePath = fixture.directory.path("signature.bin")
        try Data(text.utf8).write(to: URL(fileURLWithPath: messagePath))
        try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", "-out", digestPath, messagePath])
        try signature.write(to: URL(fileURLWithPath: signaturePath))
        let verified = try OpenSSLCLI.run(["pkeyutl", "-verify", "-certin", "-inkey", fixture.certificatePath,
                                           "-in", digestPath, "-sigfile", signaturePath])
        #expect(verified.status == 0, "\(verified.stderr)")

        let theirsPath = fixture.directory.path("theirs.bin")
        try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-sign", fixture.keyPath, "-out", theirsPath, messagePath])
        let theirs = try Data(contentsOf: URL(fileURLWithPath: theirsPath))
        #expect(throws: Never.self) {
            try RawSignature.verify(signature: theirs, message: Data(text.utf8), certificate: fixture.signer.certificate)
        }
        #expect(throws: GOSTError.verificationFailed(.signatureInvalid)) {
            try RawSignature.verify(signature: theirs, message: Data((text + "x").utf8), certificate: fixture.signer.certificate)
        }
    }

    @Test func base64URLRoundTripsAndAcceptsWhatPeoplePaste() throws {
        for length in 0..<70 {
            let data = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) })
            let encoded = Base64URL.encode(data)
            #expect(!encoded.contains("="))
            #expect(try Base64URL.decode(encoded) == data)
            #expect(try Base64URL.decode(data.base64EncodedString()) == data)
        }
        // RFC 4648 §10 vectors, padding stripped.
        #expect(Base64URL.encode(Data("foob".utf8)) == "Zm9vYg")
        #expect(Base64URL.encode(Data([0xFB, 0xFF])) == "-_8")
        #expect(try Base64URL.decode("Zm9vYg%3D%3D") == Data("foob".utf8))
        #expect(throws: GOSTError.self) { try Base64URL.decode("abcde") }
        #expect(throws: GOSTError.self) { try Base64URL.decode("ab$d") }
    }
}

import Foundation
import GOST
import Testing
import TestSupport

/// Certificates: parsing what openssl made, issuing what openssl accepts, and refusing what is unusable.
@Suite struct GOSTCertificateTests {
    static let russianSubject = "/CN=Тестовый подписант/O=ООО «Ромашка»/OGRN=1027700132195/INN=770123456789/SNILS=12345678901/OGRNIP=304500116000157"

    @Test func readsWhatOpenSSLPrints() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory, subject: Self.russianSubject)
        let certificate = try GOSTCertificate(contentsOfFile: pair.certificatePath)

        let serial = try OpenSSLCLI.check(["x509", "-in", pair.certificatePath, "-noout", "-serial"]).stdoutText
        #expect(serial.trimmingCharacters(in: .whitespacesAndNewlines) == "serial=\(certificate.serialNumber)")
        let subject = try OpenSSLCLI.check(["x509", "-in", pair.certificatePath, "-noout", "-subject",
                                            "-nameopt", "utf8,sep_comma_plus_space"]).stdoutText
        #expect(subject.trimmingCharacters(in: .whitespacesAndNewlines) == "subject=\(certificate.subject)")
        #expect(certificate.subject.contains("CN=Тестовый подписант"))
        #expect(certificate.issuer == certificate.subject)
        #expect(certificate.commonName == "Тестовый подписант")
        #expect(certificate.ogrn == "1027700132195")
        #expect(certificate.inn == "770123456789")
        #expect(certificate.snils == "12345678901")
        #expect(certificate.ogrnip == "304500116000157")
        #expect(certificate.innle == nil)

        let dates = try OpenSSLCLI.check(["x509", "-in", pair.certificatePath, "-noout", "-startdate", "-enddate"]).stdoutText
        #expect(dates.contains("notBefore=\(Self.opensslDate(certificate.notBefore))"))
        #expect(dates.contains("notAfter=\(Self.opensslDate(certificate.notAfter))"))

        #expect(certificate.keySize == .bits256)
        #expect(certificate.parameterSet == .cryptoProA)
        #expect(certificate.keyAlgorithmOID == GOSTOID.publicKey256)

        // DER and PEM of the same certificate are the same certificate.
        let der = try OpenSSLCLI.check(["x509", "-in", pair.certificatePath, "-outform", "DER"]).stdout
        #expect(certificate.der == der)
        #expect(try GOSTCertificate(der: der) == certificate)
        #expect(try GOSTCertificate(pem: certificate.pem) == certificate)
    }

    @Test func clientCertificateHashIsUppercaseStreebogOfTheDER() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (algorithm, paramSet) in [("gost2012_256", "A"), ("gost2012_512", "A")] {
            let pair = try GOSTFixtures.selfSigned(in: directory, name: algorithm, algorithm: algorithm, paramSet: paramSet)
            let derPath = directory.path("\(algorithm).der")
            try OpenSSLCLI.check(["x509", "-in", pair.certificatePath, "-outform", "DER", "-out", derPath])
            let printed = try OpenSSLCLI.check(["dgst", "-md_gost12_256", derPath]).stdoutText
            let hex = printed.split(separator: "=").last!.trimmingCharacters(in: .whitespacesAndNewlines)
            let certificate = try GOSTCertificate(contentsOfFile: pair.certificatePath)
            #expect(certificate.clientCertificateHash == hex.uppercased())
            #expect(certificate.clientCertificateHash.count == 64)
        }
    }

    @Test func firstCertificateOfABundleAndAllOfThem() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try GOSTFixtures.selfSigned(in: directory, name: "first", subject: "/CN=first")
        let second = try GOSTFixtures.selfSigned(in: directory, name: "second", subject: "/CN=second")
        let bundle = try Data(contentsOf: URL(fileURLWithPath: first.certificatePath))
            + Data(contentsOf: URL(fileURLWithPath: second.certificatePath))
        #expect(try GOSTCertificate(data: bundle).commonName == "first")
        #expect(try GOSTCertificate.all(pem: bundle).map(\.commonName) == ["first", "second"])
    }

    @Test func rsaCertificateLoadsButIsRejectedWhereGOSTIsRequired() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = directory.path("rsa.key"), cert = directory.path("rsa.pem")
        try OpenSSLCLI.check(["req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                              "-days", "2", "-subj", "/CN=rsa"])
        let certificate = try GOSTCertificate(contentsOfFile: cert)
        #expect(certificate.keySize == nil)
        #expect(certificate.keyAlgorithm.description.contains("RSA"))
        #expect {
            try certificate.requireGOST()
        } throws: { error in
            guard case GOSTError.certificateRejected(let message) = error else { return false }
            return message.contains("RSA") && message.contains("GOST")
        }
        let gostKey = try GOSTPrivateKey.generate()
        #expect(throws: GOSTError.self) { try SoftwareSigner(key: gostKey, certificate: certificate) }
    }

    @Test func keyThatDoesNotMatchTheCertificateIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        let certificate = try GOSTCertificate(contentsOfFile: pair.certificatePath)
        #expect {
            try SoftwareSigner(key: GOSTPrivateKey.generate(), certificate: certificate)
        } throws: { error in
            guard case GOSTError.certificateRejected(let message) = error else { return false }
            return message.contains("does not match")
        }
        #expect(throws: Never.self) { try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath) }
    }

    @Test func garbageIsMalformedInput() throws {
        let inputs = [Data(), Data("not a certificate".utf8), Data([0x30, 0x82, 0x01]),
                      Data("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8)]
        for input in inputs {
            #expect {
                try GOSTCertificate(data: input)
            } throws: { error in
                if case GOSTError.malformedInput = error { return true }
                return false
            }
        }
        #expect(throws: GOSTError.self) { try GOSTCertificate(contentsOfFile: "/nonexistent.pem") }
    }

    @Test func expiredAndNotYetValidCertificatesAgreeWithOpenSSL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let caKey = try GOSTPrivateKey.generate()
        let ca = try CertificateIssuer.makeCA(subject: DistinguishedName(commonName: "Test CA"), key: caKey,
                                              notBefore: Date(timeIntervalSinceNow: -10 * 365 * 86_400))
        let leafKey = try GOSTPrivateKey.generate()
        let expired = try ca.issue(subject: DistinguishedName(commonName: "expired"), publicKey: leafKey.publicKey,
                                   profile: .signer, notBefore: Date(timeIntervalSinceNow: -400 * 86_400),
                                   notAfter: Date(timeIntervalSinceNow: -30 * 86_400))
        let future = try ca.issue(subject: DistinguishedName(commonName: "future"), publicKey: leafKey.publicKey,
                                  profile: .signer, notBefore: Date(timeIntervalSinceNow: 30 * 86_400),
                                  notAfter: Date(timeIntervalSinceNow: 400 * 86_400))
        try ca.certificate.pem.write(toFile: directory.path("ca.pem"), atomically: true, encoding: .utf8)
        try expired.pem.write(toFile: directory.path("expired.pem"), atomically: true, encoding: .utf8)
        try future.pem.write(toFile: directory.path("future.pem"), atomically: true, encoding: .utf8)

        let checkend = try OpenSSLCLI.run(["x509", "-in", directory.path("expired.pem"), "-noout", "-checkend", "0"])
        #expect(checkend.status == 1 && checkend.stdoutText.contains("will expire"))
        let verifyExpired = try OpenSSLCLI.run(["verify", "-CAfile", directory.path("ca.pem"), directory.path("expired.pem")])
        #expect(verifyExpired.status != 0 && (verifyExpired.stdoutText + verifyExpired.stderr).contains("expired"))
        let verifyFuture = try OpenSSLCLI.run(["verify", "-CAfile", directory.path("ca.pem"), directory.path("future.pem")])
        #expect(verifyFuture.status != 0 && (verifyFuture.stdoutText + verifyFuture.stderr).contains("not yet valid"))

        #expect(!expired.isValid())
        #expect {
            try expired.checkValidity()
        } throws: { error in
            guard case GOSTError.certificateRejected(let message) = error else { return false }
            return message.contains("expired on \(Self.isoDay(expired.notAfter))")
        }
        #expect {
            try future.checkValidity()
        } throws: { error in
            guard case GOSTError.certificateRejected(let message) = error else { return false }
            return message.contains("not valid before \(Self.isoDay(future.notBefore))")
        }
        #expect(throws: Never.self) { try expired.checkValidity(at: Date(timeIntervalSinceNow: -100 * 86_400)) }
    }

    @Test func issuedCertificatesPassOpenSSLVerifyAndCarryTheRequestedExtensions() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try CertificateIssuer.makeCA(
            subject: DistinguishedName(commonName: "Тестовый УЦ", organization: "gosgate", country: "RU"),
            key: GOSTPrivateKey.generate(parameterSet: .tc26_256A))
        let serverKey = try GOSTPrivateKey.generate(parameterSet: .cryptoProA)
        let server = try ca.issue(subject: DistinguishedName(commonName: "localhost"), publicKey: serverKey.publicKey,
                                  profile: .tlsServer(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"]))
        let signerKey = try GOSTPrivateKey.generate(parameterSet: .tc26_512A)
        let signer = try ca.issue(
            subject: DistinguishedName(commonName: "Иванов Иван", organization: "ООО Ромашка", country: "RU",
                                       ogrn: "1027700132195", inn: "770123456789", innle: "7701234567", snils: "12345678901"),
            publicKey: signerKey.publicKey, profile: .signer)

        let caPath = directory.path("ca.pem"), serverPath = directory.path("server.pem"), signerPath = directory.path("signer.pem")
        try ca.certificate.pem.write(toFile: caPath, atomically: true, encoding: .utf8)
        try server.pem.write(toFile: serverPath, atomically: true, encoding: .utf8)
        try signer.pem.write(toFile: signerPath, atomically: true, encoding: .utf8)

        for path in [serverPath, signerPath] {
            let result = try OpenSSLCLI.run(["verify", "-CAfile", caPath, path])
            #expect(result.status == 0, "\(result.stdoutText) \(result.stderr)")
        }
        let serverText = try OpenSSLCLI.check(["x509", "-in", serverPath, "-noout", "-text"]).stdoutText
        #expect(serverText.contains("Version: 3"))
        #expect(serverText.contains("DNS:localhost"))
        #expect(serverText.contains("IP Address:127.0.0.1"))
        #expect(serverText.contains("TLS Web Server Authentication"))
        #expect(serverText.contains("CA:FALSE"))
        let caText = try OpenSSLCLI.check(["x509", "-in", caPath, "-noout", "-text"]).stdoutText
        #expect(caText.contains("CA:TRUE") && caText.contains("Certificate Sign"))
        let signerText = try OpenSSLCLI.check(["x509", "-in", signerPath, "-noout", "-text"]).stdoutText
        #expect(signerText.contains("Non Repudiation"))
        #expect(signerText.contains("OGRN") && signerText.contains("1027700132195"))

        #expect(signer.keySize == .bits512)
        #expect(signer.ogrn == "1027700132195")
        #expect(signer.inn == "770123456789")
        #expect(signer.innle == "7701234567")
        #expect(signer.snils == "12345678901")
        #expect(signer.issuer == ca.certificate.subject)
        #expect(signer.issuer.contains("CN=Тестовый УЦ"))
        #expect(throws: Never.self) { try SoftwareSigner(key: signerKey, certificate: signer) }
        #expect(throws: GOSTError.self) { try CertificateIssuer(key: serverKey, certificate: ca.certificate) }
    }

    /// `Nov 22 15:47:00 2026 GMT`, as openssl prints validity dates.
    static func opensslDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let text = formatter.string(from: date)
        // openssl pads the day to two characters with a space.
        let parts = text.split(separator: " ", maxSplits: 2)
        return parts[1].count == 1 ? "\(parts[0])  \(parts[1]) \(parts[2])" : text
    }

    static func isoDay(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}

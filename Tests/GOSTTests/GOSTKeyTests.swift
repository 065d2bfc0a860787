import COpenSSL
import Foundation
import GOST
import Testing
import TestSupport

/// Software keys: loading, generating, exporting, signing, and what happens with the wrong kind of key.
@Suite struct GOSTKeyTests {
    @Test(arguments: [("gost2012_256", "A"), ("gost2012_256", "B"), ("gost2012_256", "C"), ("gost2012_256", "TCA"),
                      ("gost2012_512", "A"), ("gost2012_512", "B"), ("gost2012_512", "C")])
    func opensslKeysLoadAndTheirSignaturesVerifyBothWays(algorithm: String, paramSet: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory, algorithm: algorithm, paramSet: paramSet)
        let key = try GOSTPrivateKey(contentsOfFile: pair.keyPath)
        #expect(key.keySize == (algorithm == "gost2012_256" ? .bits256 : .bits512))
        #expect(key.parameterSet.openSSLName == paramSet)

        let message = Data("Ключ API 1b3f-\(paramSet)".utf8)
        let messagePath = directory.path("message.txt")
        try message.write(to: URL(fileURLWithPath: messagePath))
        let digestName = key.keySize == .bits256 ? "-md_gost12_256" : "-md_gost12_512"
        let digest = try OpenSSLCLI.check(["dgst", digestName, "-binary", messagePath]).stdout
        #expect(try Streebog.hash(message, size: key.keySize.digest) == digest)
        try digest.write(to: URL(fileURLWithPath: directory.path("digest.bin")))

        // Ours → openssl pkeyutl -verify.
        let ours = try key.sign(digest: digest)
        #expect(ours.count == key.keySize.signatureByteCount)
        try ours.write(to: URL(fileURLWithPath: directory.path("ours.sig")))
        let verified = try OpenSSLCLI.run(["pkeyutl", "-verify", "-certin", "-inkey", pair.certificatePath,
                                           "-in", directory.path("digest.bin"), "-sigfile", directory.path("ours.sig")])
        #expect(verified.status == 0, "\(verified.stderr)")

        // openssl pkeyutl -sign and openssl dgst -sign → ours.
        try OpenSSLCLI.check(["pkeyutl", "-sign", "-inkey", pair.keyPath, "-in", directory.path("digest.bin"),
                              "-out", directory.path("theirs.sig")])
        try OpenSSLCLI.check(["dgst", digestName, "-sign", pair.keyPath, "-out", directory.path("dgst.sig"), messagePath])
        let certificate = try GOSTCertificate(contentsOfFile: pair.certificatePath)
        for file in ["theirs.sig", "dgst.sig"] {
            let signature = try Data(contentsOf: URL(fileURLWithPath: directory.path(file)))
            #expect(try certificate.publicKey.verify(signature: signature, digest: digest))
            var damaged = signature
            damaged[5] ^= 0x01
            #expect(try !certificate.publicKey.verify(signature: damaged, digest: digest))
        }
        #expect(try certificate.publicKey.verify(signature: ours, message: message))
        #expect(!key.publicKey.verify(signature: ours, digest: Data(repeating: 0, count: digest.count)))
    }

    @Test(arguments: [GOSTParameterSet.cryptoProA, .cryptoProB, .cryptoProC, .tc26_256A, .tc26_512A, .tc26_512B, .tc26_512C])
    func generatedKeysExportAsPKCS8ThatOpenSSLReads(parameterSet: GOSTParameterSet) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = try GOSTPrivateKey.generate(parameterSet: parameterSet)
        #expect(key.keySize == parameterSet.keySize)
        #expect(key.parameterSet == parameterSet)
        let pemPath = directory.path("key.pem")
        try key.pem.write(toFile: pemPath, atomically: true, encoding: .utf8)
        let text = try OpenSSLCLI.check(["pkey", "-in", pemPath, "-text", "-noout"]).stdoutText
        #expect(text.contains("Private key"))
        // openssl's public key for our private key is ours.
        let spki = try OpenSSLCLI.check(["pkey", "-in", pemPath, "-pubout", "-outform", "DER"]).stdout
        #expect(try GOSTPublicKey(subjectPublicKeyInfoDER: spki) == key.publicKey)
        // DER round trip, and the reloaded key signs for the same public key.
        let reloaded = try GOSTPrivateKey(data: key.der)
        #expect(reloaded.publicKey == key.publicKey)
        let digest = try Streebog.hash(Data("x".utf8), size: key.keySize.digest)
        #expect(key.publicKey.verify(signature: try reloaded.sign(digest: digest), digest: digest))
    }

    @Test func rsaAndECKeysAreRejectedSayingWhatTheyAre() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try OpenSSLCLI.check(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", directory.path("rsa.pem")])
        try OpenSSLCLI.check(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", directory.path("ec.pem")])
        for (file, expected) in [("rsa.pem", "RSA"), ("ec.pem", "EC")] {
            do {
                _ = try GOSTPrivateKey(contentsOfFile: directory.path(file))
                Issue.record("\(file) was accepted")
            } catch {
                guard case .unsupportedKey(let message) = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(message.contains(expected))
                #expect(message.contains("GOST R 34.10-2012"))
            }
        }
    }

    @Test func garbageIsMalformedInputNotACrash() throws {
        let inputs: [Data] = [
            Data(), Data("hello".utf8), Data(repeating: 0x30, count: 40),
            Data("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8),
        ]
        for input in inputs {
            #expect(throws: GOSTError.self) { try GOSTPrivateKey(data: input) }
        }
        #expect(throws: GOSTError.self) { try GOSTPrivateKey(contentsOfFile: "/nonexistent/key.pem") }
        #expect(throws: GOSTError.self) { try GOSTPublicKey(subjectPublicKeyInfoDER: Data([0x30, 0x03, 0x02, 0x01, 0x00])) }
    }

    @Test func encryptedKeysAreRefusedWithoutPrompting() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = try GOSTPrivateKey.generate()
        try key.pem.write(toFile: directory.path("plain.pem"), atomically: true, encoding: .utf8)
        try OpenSSLCLI.check(["pkey", "-in", directory.path("plain.pem"), "-aes256", "-passout", "pass:secret",
                              "-out", directory.path("encrypted.pem")])
        #expect {
            try GOSTPrivateKey(contentsOfFile: directory.path("encrypted.pem"))
        } throws: { error in
            guard case GOSTError.unsupportedKey(let message) = error else { return false }
            return message.contains("encrypted")
        }
    }

    @Test func wrongDigestLengthIsASigningError() throws {
        let key = try GOSTPrivateKey.generate()
        #expect(throws: GOSTError.self) { try key.sign(digest: Data(repeating: 1, count: 20)) }
        #expect(!key.publicKey.verify(signature: Data(count: 64), digest: Data(count: 20)))
    }

    @Test func plainOpenSSLStillWorksAfterTheEngineLoads() throws {
        try GOSTEngine.ensureLoaded()
        _ = try Streebog.hash256(Data("warm up".utf8))
        // SHA-256 through the ordinary EVP path, compared with openssl's answer.
        let message = Data("abc".utf8)
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let bytes = [UInt8](message)
        #expect(EVP_Digest(bytes, bytes.count, &output, &length, EVP_sha256(), nil) == 1)
        let ours = Data(output.prefix(Int(length)))
        let theirs = try OpenSSLCLI.check(["dgst", "-sha256", "-binary"], stdin: message).stdout
        #expect(ours == theirs)
        #expect(ours == Data(hex: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }
}

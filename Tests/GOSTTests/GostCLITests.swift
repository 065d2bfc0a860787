import Foundation
import GOST
import Testing
import TestSupport

/// `gosgatectl gost …` end to end: the built binary, checked against the openssl CLI.
@Suite struct GostCLITests {
    struct Result {
        let status: Int32
        let stdout: Data
        let stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: stdout)) as? [String: Any] ?? [:] }
    }

    static func ctl(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        let binary = try BuiltProducts.path("gosgatectl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["gost"] + arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A failure is one line on stderr naming the reason, never a stack trace.
    static func expectOneLineFailure(_ result: Result, containing words: [String],
                                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "exit status \(result.status)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(result.stderr.contains(word), "stderr lacks \(word): \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func digestAndCertHashMatchOpenSSL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.path("data.bin")
        try Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: file))
        for (flag, digest) in [([String](), "-md_gost12_256"), (["--512"], "-md_gost12_512")] {
            let expected = try OpenSSLCLI.check(["dgst", digest, "-binary", file]).stdout.hexLowercase
            #expect(try Self.ctl(["digest"] + flag + [file]).text == "\(expected)  \(file)\n")
            let piped = try Self.ctl(["digest"] + flag + ["--json", "-"], stdin: Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(piped.json["digest"] as? String == expected)
        }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        let der = directory.path("cert.der")
        try OpenSSLCLI.check(["x509", "-in", pair.certificatePath, "-outform", "DER", "-out", der])
        let expected = try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", der]).stdout.hexLowercase.uppercased()
        #expect(try Self.ctl(["cert-hash", pair.certificatePath]).text == expected + "\n")
        #expect(try Self.ctl(["cert-hash", der, "--json"]).json["clientCertificateHash"] as? String == expected)
        Self.expectOneLineFailure(try Self.ctl(["digest", directory.path("missing")]), containing: ["cannot open"])
    }

    @Test func certShowTellsWhatMatters() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory, subject: "/CN=Иванов Иван/O=ООО Ромашка/OGRN=1027700132195/INN=770123456789")
        let shown = try Self.ctl(["cert", "show", pair.certificatePath])
        #expect(shown.status == 0)
        #expect(shown.text.contains("CN=Иванов Иван"))
        #expect(shown.text.contains("1027700132195"))
        #expect(shown.text.contains("valid now"))
        #expect(shown.text.contains("CryptoPro-A"))
        let serial = try OpenSSLCLI.check(["x509", "-in", pair.certificatePath, "-noout", "-serial"]).stdoutText
        let json = try Self.ctl(["cert", "show", "--json", pair.certificatePath]).json
        #expect("serial=\(json["serialNumber"] as? String ?? "")\n" == serial)
        #expect(json["ogrn"] as? String == "1027700132195")
        #expect(json["inn"] as? String == "770123456789")
        #expect(json["keySize"] as? Int == 256)

        let rsaKey = directory.path("rsa.key"), rsaCert = directory.path("rsa.pem")
        try OpenSSLCLI.check(["req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", rsaKey, "-out", rsaCert,
                              "-days", "2", "-subj", "/CN=rsa"])
        #expect(try Self.ctl(["cert", "show", rsaCert]).text.contains("not a GOST R 34.10-2012 key"))

        try Data("garbage".utf8).write(to: URL(fileURLWithPath: directory.path("garbage.pem")))
        Self.expectOneLineFailure(try Self.ctl(["cert", "show", directory.path("garbage.pem")]), containing: ["malformed input"])
        let jsonFailure = try Self.ctl(["cert", "show", "--json", directory.path("garbage.pem")])
        #expect(jsonFailure.status == 1 && jsonFailure.json["code"] as? String == "malformed_input")
    }

    @Test func signedFilesVerifyWithOpenSSL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        let content = directory.path("api-key.txt")
        try Data("3f2a9c1e-7b4d-4e8a-9f10-2c5d6e7f8a9b".utf8).write(to: URL(fileURLWithPath: content))
        let cmsVerify = { (path: String, form: String) throws -> OpenSSLCLI.Output in
            try OpenSSLCLI.run(["cms", "-verify", "-binary", "-inform", form, "-in", path, "-content", content,
                                "-CAfile", pair.certificatePath, "-out", "/dev/null"])
        }

        // CMS to a DER file.
        let der = directory.path("sig.p7s")
        let written = try Self.ctl(["sign", "--key", pair.keyPath, "--cert", pair.certificatePath, "--cms", "--out", der, content])
        #expect(written.status == 0 && written.text.contains("wrote"))
        #expect(try cmsVerify(der, "DER").status == 0)
        // CMS as base64url on stdout (what goes into ESIA's URL).
        let printed = try Self.ctl(["sign", "--key", pair.keyPath, "--cert", pair.certificatePath, "--cms", content])
        let text = printed.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        try Base64URL.decode(text).write(to: URL(fileURLWithPath: directory.path("decoded.p7s")))
        #expect(try cmsVerify(directory.path("decoded.p7s"), "DER").status == 0)
        // CMS as PEM, from standard input.
        let pem = directory.path("sig.pem")
        let fromStdin = try Self.ctl(["sign", "--key", pair.keyPath, "--cert", pair.certificatePath, "--cms", "--format", "pem",
                                      "--out", pem, "-"], stdin: Data(contentsOf: URL(fileURLWithPath: content)))
        #expect(fromStdin.status == 0)
        #expect(try cmsVerify(pem, "PEM").status == 0)

        // Raw s‖r, base64url on stdout, checked with pkeyutl over openssl's own digest.
        let raw = try Self.ctl(["sign", "--key", pair.keyPath, "--cert", pair.certificatePath, "--raw", content])
        let signature = try Base64URL.decode(raw.text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(signature.count == 64)
        try signature.write(to: URL(fileURLWithPath: directory.path("raw.sig")))
        try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", "-out", directory.path("digest.bin"), content])
        let verified = try OpenSSLCLI.run(["pkeyutl", "-verify", "-certin", "-inkey", pair.certificatePath,
                                           "-in", directory.path("digest.bin"), "-sigfile", directory.path("raw.sig")])
        #expect(verified.status == 0, "\(verified.stderr)")
    }

    @Test func verifyAcceptsOpenSSLSignaturesAndNamesWhatFails() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        let content = directory.path("content.txt"), other = directory.path("other.txt")
        try Data("signed content".utf8).write(to: URL(fileURLWithPath: content))
        try Data("other content".utf8).write(to: URL(fileURLWithPath: other))
        let cms = directory.path("openssl.p7s")
        try OpenSSLCLI.check(["cms", "-sign", "-binary", "-in", content, "-signer", pair.certificatePath, "-inkey", pair.keyPath,
                              "-outform", "DER", "-out", cms])

        let plain = try Self.ctl(["verify", "--cms", cms, "--content", content])
        #expect(plain.status == 0 && plain.text.contains("Verified") && plain.text.contains("absent"))
        Self.expectOneLineFailure(try Self.ctl(["verify", "--cms", cms, "--content", content, "--strict-cades"]),
                                  containing: ["signingCertificateV2"])
        Self.expectOneLineFailure(try Self.ctl(["verify", "--cms", cms, "--content", other]), containing: ["content digest"])
        let json = try Self.ctl(["verify", "--json", "--cms", cms, "--content", other])
        #expect(json.status == 1 && json.json["code"] as? String == "content_digest_mismatch")
        let ok = try Self.ctl(["verify", "--json", "--cms", cms, "--content", content])
        #expect(ok.json["verified"] as? Bool == true && ok.json["signingCertificateV2"] as? Bool == false)

        // Raw signatures made by openssl, in binary, base64url and hex.
        let rawPath = directory.path("raw.sig")
        try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-sign", pair.keyPath, "-out", rawPath, content])
        let raw = try Data(contentsOf: URL(fileURLWithPath: rawPath))
        try Data(Base64URL.encode(raw).utf8).write(to: URL(fileURLWithPath: directory.path("raw.b64")))
        try Data(raw.hexLowercase.utf8).write(to: URL(fileURLWithPath: directory.path("raw.hex")))
        for file in ["raw.sig", "raw.b64", "raw.hex"] {
            let result = try Self.ctl(["verify", "--raw", directory.path(file), "--cert", pair.certificatePath, content])
            #expect(result.status == 0, "\(file): \(result.stderr)")
        }
        Self.expectOneLineFailure(try Self.ctl(["verify", "--raw", rawPath, "--cert", pair.certificatePath, other]),
                                  containing: ["does not verify"])
        // Valid at a date the certificate does not cover.
        Self.expectOneLineFailure(try Self.ctl(["verify", "--raw", rawPath, "--cert", pair.certificatePath, "--at", "2001-01-01", content]),
                                  containing: ["not valid before"])
    }

    @Test func badInputGivesOneLineReasonsAndUsageErrorsExit64() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: directory)
        let content = directory.path("content.txt")
        try Data("x".utf8).write(to: URL(fileURLWithPath: content))
        let rsa = directory.path("rsa.pem")
        try OpenSSLCLI.check(["genpkey", "-algorithm", "RSA", "-out", rsa])
        Self.expectOneLineFailure(try Self.ctl(["sign", "--key", rsa, "--cert", pair.certificatePath, "--cms", content]),
                                  containing: ["RSA", "GOST R 34.10-2012"])
        let otherKey = directory.path("other.pem")
        try OpenSSLCLI.check(["genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", otherKey])
        Self.expectOneLineFailure(try Self.ctl(["sign", "--key", otherKey, "--cert", pair.certificatePath, "--raw", content]),
                                  containing: ["does not match"])
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: directory.path("garbage.p7s")))
        Self.expectOneLineFailure(try Self.ctl(["verify", "--cms", directory.path("garbage.p7s"), "--content", content]),
                                  containing: ["malformed input"])

        #expect(try Self.ctl(["verify", "--content", content]).status == 64)
        #expect(try Self.ctl(["verify", "--raw", content, content]).status == 64)
        #expect(try Self.ctl(["sign", "--key", pair.keyPath, "--cert", pair.certificatePath, content]).status == 64)
    }
}

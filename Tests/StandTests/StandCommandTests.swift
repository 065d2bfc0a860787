import Foundation
import Testing
import TestSupport

/// The `gosgate-stand` executable: `init` writes a stand directory, `serve` runs it over GOST TLS,
/// checked with `openssl s_client` and `curl`; stopped by its PID.
@Suite("gosgate-stand command")
struct StandCommandTests {
    static var executable: String {
        get throws { try BuiltProducts.path("gosgate-stand") }
    }

    @Test("--version and --help answer")
    func versionAndHelp() async throws {
        let version = try await ChildProcess.run(try Self.executable, ["--version"])
        #expect(version.status == 0 && !version.stdoutText.isEmpty)
        let help = try await ChildProcess.run(try Self.executable, ["--help"])
        #expect(help.status == 0 && help.stdoutText.contains("serve") && help.stdoutText.contains("init"))
    }

    @Test("init then serve: GOST TLS 0xFF85 negotiated with openssl s_client, the control API answers curl")
    func initAndServe() async throws {
        let directory = try TemporaryDirectory(prefix: "gosgate-stand-cli")
        defer { directory.remove() }
        let stand = directory.path("stand")
        let initialised = try await ChildProcess.run(try Self.executable, ["init", stand, "--api-keys", "2"])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        for file in ["ca.pem", "ca.key.pem", "server.pem", "server.key.pem", "server-chain.pem", "signer.pem", "signer.key.pem",
                     "esia-token.pem", "esia-token.key.pem", "stand.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(stand)/\(file)"), "\(file) missing")
        }
        let keyMode = try FileManager.default.attributesOfItem(atPath: "\(stand)/signer.key.pem")[.posixPermissions] as? NSNumber
        #expect(keyMode?.intValue == 0o600)
        // Refuses to overwrite without --force.
        #expect(try await ChildProcess.run(try Self.executable, ["init", stand]).status != 0)

        // The signer certificate chains to the stand CA and carries ОГРН and ИНН (read by openssl).
        try OpenSSLCLI.check(["verify", "-CAfile", "\(stand)/ca.pem", "\(stand)/signer.pem"])
        let subject = try OpenSSLCLI.check(["x509", "-in", "\(stand)/signer.pem", "-noout", "-subject", "-nameopt", "oid"]).stdoutText
        #expect(subject.contains("1.2.643.100.1") && subject.contains("1.2.643.100.4"), "\(subject)")
        let key = try OpenSSLCLI.check(["pkey", "-in", "\(stand)/signer.key.pem", "-noout", "-text"]).stdoutText
        #expect(key.contains("CryptoPro-A") || key.contains("id-GostR3410-2001-CryptoPro-A-ParamSet"), "\(key)")

        let server = try PeerProcess.startServer(try Self.executable, arguments: { port in
            ["serve", "--dir", stand, "--port", "\(port)"]
        })
        defer { server.stop() }
        let port = server.port
        let handshake = try await ChildProcess.run("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(port)", "-cipher", "LEGACY-GOST2012-GOST8912-GOST8912",
            "-CAfile", "\(stand)/ca.pem", "-verify_return_error", "-brief",
        ], stdin: Data("Q\n".utf8), timeout: 20)
        #expect(handshake.stderr.contains("LEGACY-GOST2012-GOST8912-GOST8912"), "\(handshake.stderr)")
        #expect(handshake.stderr.contains("Verification: OK"), "\(handshake.stderr)")

        let health = try await Curl.run(["--cacert", "\(stand)/ca.pem", "--ciphers", "LEGACY-GOST2012-GOST8912-GOST8912",
                                         "https://127.0.0.1:\(port)/__stand/health"])
        #expect(health.status == 200, "\(health.exitCode) \(health.stderr)")
        #expect(health.json?["status"] as? String == "ok")
        // A client offering only ordinary suites is refused.
        let ordinary = try await Curl.run(["--cacert", "\(stand)/ca.pem", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256",
                                           "https://127.0.0.1:\(port)/__stand/health"])
        #expect(ordinary.status == 0 && ordinary.exitCode != 0)
    }
}

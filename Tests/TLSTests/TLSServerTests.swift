import Foundation
import Testing
import TestSupport
@testable import TLS

/// Our server against `openssl s_client` (GOST) and `curl` (ordinary TLS).
@Suite(.serialized)
struct TLSServerTests {
    /// Runs `openssl s_client` against our server with `input` on stdin; returns its output.
    static func sClient(port: Int, arguments: [String], input: String = "hello gosgate\n") throws -> (Int32, String) {
        let client = try PeerProcess.startClient("/usr/bin/openssl", arguments: [
            "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", "-ign_eof",
        ] + arguments, stdin: Data(input.utf8))
        let status = client.waitForExit(timeout: 20)
        return (status, client.output)
    }

    static func gostServer(_ ca: TestCertificateAuthority, cipher: String = TLSConfiguration.gostCipherList,
                           verifyClients: Bool = false) async throws -> TLSTestPeers.Server {
        let leaf = try ca.issue(name: "server-\(UUID().uuidString.prefix(8))")
        var configuration = TLSConfiguration.server(certificateChainFile: leaf.certificatePath,
                                                    privateKeyFile: leaf.keyPath, cipherList: cipher)
        configuration.maximumVersion = .tls1_2
        if verifyClients {
            configuration.trustRoots = .file(ca.certificatePath)
            configuration.certificateVerification = .fullVerification
        }
        return try await TLSTestPeers.Server(configuration: configuration)
    }

    @Test(arguments: ["LEGACY-GOST2012-GOST8912-GOST8912", "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC"])
    func gostSuiteWithOpenSSLClient(suite: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try await Self.gostServer(ca)
        defer { server.stop() }

        let (status, output) = try Self.sClient(port: server.port, arguments: [
            "-cipher", suite, "-CAfile", ca.certificatePath, "-verify_return_error", "-verify_hostname", "localhost",
        ], input: "hello gosgate\nquit\n")
        #expect(status == 0, "\(output)")
        #expect(output.contains("Cipher is \(suite)"))
        #expect(output.contains("Verification: OK"))
        #expect(output.contains("echo: hello gosgate"))
        // "quit" makes our server close: s_client reports "closed" only for a clean close_notify.
        #expect(output.split(separator: "\n").contains("closed"))
        await server.waitFor { !server.handshakes.isEmpty }
        #expect(server.handshakes.first?.cipherSuite == suite)
        #expect(server.handshakes.first?.serverName == "localhost")
        #expect(server.handshakes.first?.verdict == .noPeerCertificate)
    }

    @Test func ordinaryTLSWithCurl() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory, algorithm: .ecdsaP256)
        let leaf = try ca.issue(name: "server")
        var configuration = TLSConfiguration.server(certificateChainFile: leaf.certificatePath,
                                                    privateKeyFile: leaf.keyPath)
        configuration.applicationProtocols = ["http/1.1"]
        let server = try await TLSTestPeers.Server(configuration: configuration)
        defer { server.stop() }

        let curl = try PeerProcess.startClient("/usr/bin/curl", arguments: [
            "--silent", "--show-error", "--cacert", ca.certificatePath, "--http1.1",
            "https://localhost:\(server.port)/",
        ])
        let status = curl.waitForExit(timeout: 20)
        #expect(status == 0, "\(curl.output)")
        await server.waitFor { !server.handshakes.isEmpty }
        let handshake = try #require(server.handshakes.first)
        #expect(curl.output.contains("hello over \(handshake.cipherSuite)"))
        #expect(handshake.protocolVersion == "TLSv1.3")
        #expect(handshake.applicationProtocol == "http/1.1")
    }

    @Test func mutualTLSRequiresAndChecksClientCertificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let client = try ca.issue(name: "client", commonName: "integration client", subjectAltName: nil)
        let server = try await Self.gostServer(ca, verifyClients: true)
        defer { server.stop() }

        let (status, output) = try Self.sClient(port: server.port, arguments: [
            "-cipher", "LEGACY-GOST2012-GOST8912-GOST8912", "-CAfile", ca.certificatePath,
            "-cert", client.certificatePath, "-key", client.keyPath,
        ], input: "hello\nquit\n")
        #expect(status == 0, "\(output)")
        #expect(output.contains("echo: hello"))
        await server.waitFor { !server.handshakes.isEmpty }
        #expect(server.handshakes.first?.verdict == .verified)
        #expect(server.handshakes.first?.peerChain.first?.subject.contains("CN=integration client") == true)

        // Without a certificate the handshake fails on both sides, with our reason on ours.
        let (refusedStatus, _) = try Self.sClient(port: server.port, arguments: [
            "-cipher", "LEGACY-GOST2012-GOST8912-GOST8912", "-CAfile", ca.certificatePath,
        ], input: "hello\nquit\n")
        #expect(refusedStatus != 0)
        await server.waitFor { !server.failures.isEmpty }
        #expect(server.failures.first as? TLSError == .clientCertificateMissing)
    }

    @Test func clientFromAnotherCAIsRejected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let stranger = try TestCertificateAuthority.create(in: directory, name: "stranger", commonName: "Stranger CA")
        let client = try stranger.issue(name: "client", commonName: "intruder", subjectAltName: nil)
        let server = try await Self.gostServer(ca, verifyClients: true)
        defer { server.stop() }

        let (status, _) = try Self.sClient(port: server.port, arguments: [
            "-cipher", "LEGACY-GOST2012-GOST8912-GOST8912", "-CAfile", ca.certificatePath,
            "-cert", client.certificatePath, "-key", client.keyPath,
        ])
        #expect(status != 0)
        await server.waitFor { !server.failures.isEmpty }
        guard case .untrustedCertificate(let subject, let issuer, let roots)? = server.failures.first as? TLSError else {
            Issue.record("expected untrustedCertificate, got \(server.failures)")
            return
        }
        #expect(subject.contains("CN=intruder"))
        #expect(issuer.contains("CN=Stranger CA"))
        #expect(roots == ca.certificatePath)
    }

    @Test func clientWithoutSharedSuiteIsReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try await Self.gostServer(ca, cipher: "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC")
        defer { server.stop() }

        let (status, _) = try Self.sClient(port: server.port, arguments: ["-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-tls1_2"])
        #expect(status != 0)
        await server.waitFor { !server.failures.isEmpty }
        #expect(server.failures.first as? TLSError == .clientOfferedNoSharedCipher(accepted: "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC"))
    }

    @Test func plainHTTPClientIsRecognised() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try await Self.gostServer(ca)
        defer { server.stop() }

        let curl = try PeerProcess.startClient("/usr/bin/curl", arguments: [
            "--silent", "--max-time", "5", "http://127.0.0.1:\(server.port)/status",
        ])
        curl.waitForExit(timeout: 10)
        await server.waitFor { !server.failures.isEmpty }
        guard case .notTLS(let preview)? = server.failures.first as? TLSError else {
            Issue.record("expected notTLS, got \(server.failures)")
            return
        }
        #expect(preview.hasPrefix("\"GET /status HTTP/1.1"))
    }

    @Test func renegotiationIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try await Self.gostServer(ca)
        defer { server.stop() }

        // "R" on its own line asks s_client to renegotiate.
        let client = try PeerProcess.startClient("/usr/bin/openssl", arguments: [
            "s_client", "-connect", "127.0.0.1:\(server.port)", "-cipher", "LEGACY-GOST2012-GOST8912-GOST8912",
            "-CAfile", ca.certificatePath,
        ], stdin: Data("R\n".utf8))
        client.waitForExit(timeout: 20)
        #expect(client.output.contains("RENEGOTIATING"))
        #expect(client.output.contains("no renegotiation"))
    }
}

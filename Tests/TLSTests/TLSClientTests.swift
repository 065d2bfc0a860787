import Foundation
import GOST
import Testing
import TestSupport
@testable import TLS

/// Our client against `openssl s_server` with GOST certificates made by the openssl CLI.
@Suite(.serialized)
struct TLSClientTests {
    static let legacy = "LEGACY-GOST2012-GOST8912-GOST8912"
    static let kuznyechik = "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC"

    static func sServer(_ identity: TestCertificateAuthority.Identity, cipher: String,
                        extra: [String] = []) throws -> PeerProcess {
        try PeerProcess.startServer("/usr/bin/openssl") { port in
            ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", identity.certificatePath,
             "-key", identity.keyPath, "-cipher", cipher, "-tls1_2", "-www"] + extra
        }
    }

    @Test(arguments: [(legacy, UInt16(0xFF85)), (kuznyechik, UInt16(0xC100))])
    func gostSuiteAgainstOpenSSLServer(suite: String, id: UInt16) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let leaf = try ca.issue(name: "server")
        let server = try Self.sServer(leaf, cipher: suite)
        defer { server.stop() }

        let result = try await TLSTestPeers.connect(
            port: server.port, configuration: .gostClient(trustRoots: .file(ca.certificatePath)))

        #expect(result.handshake.cipherSuite == suite)
        #expect(result.handshake.cipherSuiteID == id)
        #expect(result.handshake.protocolVersion == "TLSv1.2")
        #expect(result.handshake.verdict == .verified)
        #expect(result.handshake.peerChain.count == 2)
        #expect(result.handshake.peerChain.first?.subject.contains("CN=localhost") == true)
        #expect(result.handshake.peerChain.first?.publicKeyAlgorithm == "gost2012_256")
        #expect(result.handshake.peerChain.last?.subject.contains("CN=gosgate Test CA") == true)
        // s_server's own report of the session, independent of ours.
        #expect(result.received.contains("Cipher is \(suite)"))
    }

    @Test func repeatedConnectionsResumeTheSession() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try Self.sServer(try ca.issue(name: "server"), cipher: Self.kuznyechik)
        defer { server.stop() }
        let context = try TLSContext(configuration: .gostClient(trustRoots: .file(ca.certificatePath)))
        let key = "127.0.0.1:\(server.port)"

        let first = try await TLSTestPeers.connect(port: server.port, configuration: context.configuration,
                                                   context: context, sessionKey: key)
        let second = try await TLSTestPeers.connect(port: server.port, configuration: context.configuration,
                                                    context: context, sessionKey: key)
        #expect(first.handshake.resumed == false)
        #expect(second.handshake.resumed == true)
        #expect(second.received.contains("Reused, TLSv1.2, Cipher is \(Self.kuznyechik)"))
        // A different origin key never gets that session.
        let other = try await TLSTestPeers.connect(port: server.port, configuration: context.configuration,
                                                   context: context, sessionKey: "other:1")
        #expect(other.handshake.resumed == false)
    }

    @Test func ipAddressIsCheckedAgainstIPSubjectAltName() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try Self.sServer(try ca.issue(name: "server"), cipher: Self.legacy)
        defer { server.stop() }
        let result = try await TLSTestPeers.connect(
            port: server.port, configuration: .gostClient(trustRoots: .file(ca.certificatePath)),
            serverHostname: "127.0.0.1")
        #expect(result.handshake.verdict == .verified)
    }

    @Test func trustFromRehashedDirectory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try Self.sServer(try ca.issue(name: "server"), cipher: Self.legacy)
        defer { server.stop() }
        let result = try await TLSTestPeers.connect(
            port: server.port, configuration: .gostClient(trustRoots: .directory(try ca.hashedDirectory())))
        #expect(result.handshake.verdict == .verified)
    }

    @Test func alpnIsNegotiated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try Self.sServer(try ca.issue(name: "server"), cipher: Self.legacy, extra: ["-alpn", "http/1.1"])
        defer { server.stop() }
        var configuration = TLSConfiguration.gostClient(trustRoots: .file(ca.certificatePath))
        configuration.applicationProtocols = ["h2", "http/1.1"]
        let result = try await TLSTestPeers.connect(port: server.port, configuration: configuration)
        #expect(result.handshake.applicationProtocol == "http/1.1")
    }

    @Test func mutualTLSWithClientCertificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let client = try ca.issue(name: "client", commonName: "gosgate client", subjectAltName: nil)
        let server = try Self.sServer(try ca.issue(name: "server"), cipher: Self.legacy,
                                      extra: ["-Verify", "2", "-CAfile", ca.certificatePath, "-verify_return_error"])
        defer { server.stop() }
        var configuration = TLSConfiguration.gostClient(trustRoots: .file(ca.certificatePath))
        configuration.certificateChainFile = client.certificatePath
        configuration.privateKeyFile = client.keyPath
        let result = try await TLSTestPeers.connect(port: server.port, configuration: configuration)
        #expect(result.handshake.verdict == .verified)
        // s_server -www prints the client certificate it verified.
        #expect(result.received.contains("gosgate client"))

        let withoutCertificate = TLSConfiguration.gostClient(trustRoots: .file(ca.certificatePath))
        await #expect(throws: TLSError.clientCertificateRequired) {
            _ = try await TLSTestPeers.connect(port: server.port, configuration: withoutCertificate)
        }
    }

    @Test func serverInitiatedRenegotiationIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let leaf = try ca.issue(name: "server")
        let server = try PeerProcess.startServer("/usr/bin/openssl") { port in
            ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", leaf.certificatePath, "-key", leaf.keyPath,
             "-cipher", Self.legacy, "-tls1_2"]
        }
        defer { server.stop() }
        let connection = Task {
            try await TLSTestPeers.connect(port: server.port, configuration: .gostClient(trustRoots: .file(ca.certificatePath)),
                                           request: "before\n", closeAfter: .seconds(2))
        }
        try await Task.sleep(for: .milliseconds(700))
        server.send("r\n")  // s_server: send a HelloRequest
        _ = try? await connection.value
        #expect(server.output.contains("before"))
        #expect(server.output.contains("no renegotiation"), "\(server.output)")
    }

    @Test func closeSendsCloseNotify() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let leaf = try ca.issue(name: "server")
        // Without -www, s_server prints what it reads and reports how the connection ended.
        let server = try PeerProcess.startServer("/usr/bin/openssl") { port in
            ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", leaf.certificatePath, "-key", leaf.keyPath,
             "-cipher", Self.legacy, "-tls1_2"]
        }
        defer { server.stop() }
        _ = try await TLSTestPeers.connect(port: server.port,
                                           configuration: .gostClient(trustRoots: .file(ca.certificatePath)),
                                           request: "bye from gosgate\n", closeAfter: .milliseconds(300))
        try await Task.sleep(for: .milliseconds(300))
        // s_server prints DONE when it reads close_notify and ERROR on a bare TCP close. (The
        // readiness probe's connection comes earlier in the log and ends in an ERROR of its own.)
        let log = server.output
        let afterMessage = try #require(log.range(of: "bye from gosgate")).upperBound
        let ending = log[afterMessage...]
        #expect(ending.contains("DONE"))
        #expect(!ending.contains("ERROR"))
    }
}

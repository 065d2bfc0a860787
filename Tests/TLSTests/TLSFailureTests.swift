import Foundation
import Testing
import TestSupport
@testable import TLS

/// Each way a connection to a bad peer fails, with the error a person can act on.
@Suite(.serialized)
struct TLSFailureTests {
    static let legacy = "LEGACY-GOST2012-GOST8912-GOST8912"

    /// Connects our GOST client and returns the `TLSError` it failed with.
    static func failure(port: Int, configuration: TLSConfiguration,
                        serverHostname: String = "localhost") async -> TLSError? {
        do {
            let result = try await TLSTestPeers.connect(port: port, configuration: configuration,
                                                        serverHostname: serverHostname)
            Issue.record("handshake unexpectedly succeeded: \(result.handshake)")
            return nil
        } catch let error as TLSError {
            return error
        } catch {
            Issue.record("not a TLSError: \(error)")
            return nil
        }
    }

    @Test func untrustedCA() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let other = try TestCertificateAuthority.create(in: directory, name: "other", commonName: "Some Other CA")
        let server = try TLSClientTests.sServer(try ca.issue(name: "server"), cipher: Self.legacy)
        defer { server.stop() }

        let error = await Self.failure(port: server.port, configuration: .gostClient(trustRoots: .file(other.certificatePath)))
        guard case .untrustedCertificate(let subject, let issuer, let roots)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(issuer.contains("CN=gosgate Test CA"))
        #expect(subject.contains("CN=localhost"))
        #expect(roots == other.certificatePath)
        #expect(error!.description.hasPrefix("certificate not trusted: issuer CN=gosgate Test CA"))
    }

    @Test func wrongHostname() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try TLSClientTests.sServer(try ca.issue(name: "server"), cipher: Self.legacy)
        defer { server.stop() }

        let error = await Self.failure(port: server.port, configuration: .gostClient(trustRoots: .file(ca.certificatePath)),
                                       serverHostname: "svcdev-gostapi.test.gosuslugi.ru")
        #expect(error == .hostnameMismatch(expected: "svcdev-gostapi.test.gosuslugi.ru",
                                           certificateNames: ["localhost", "127.0.0.1"]))
    }

    @Test func expiredCertificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try TLSClientTests.sServer(try ca.issue(name: "server", days: -1), cipher: Self.legacy)
        defer { server.stop() }

        let error = await Self.failure(port: server.port, configuration: .gostClient(trustRoots: .file(ca.certificatePath)))
        guard case .certificateExpired(let subject, let notAfter)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(subject.contains("CN=localhost"))
        #expect(notAfter < Date())
        #expect(error!.description.hasPrefix("certificate expired on "))
    }

    @Test func noCommonSuite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try TLSClientTests.sServer(try ca.issue(name: "server"), cipher: "GOST2012-MAGMA-MAGMAOMAC")
        defer { server.stop() }

        let error = await Self.failure(port: server.port,
                                       configuration: .gostClient(trustRoots: .file(ca.certificatePath), cipherList: Self.legacy))
        #expect(error == .noSharedCipher(offered: Self.legacy))
    }

    @Test func peerClosesMidHandshake() async throws {
        let server = try await MisbehavingServer(.closeAfterFirstRead)
        defer { server.stop() }
        let error = await Self.failure(port: server.port, configuration: .gostClient(trustRoots: .system))
        #expect(error == .peerClosedDuringHandshake)
    }

    @Test func stallingPeerTimesOut() async throws {
        let server = try await MisbehavingServer(.stall)
        defer { server.stop() }
        var configuration = TLSConfiguration.gostClient(trustRoots: .system)
        configuration.handshakeTimeout = .milliseconds(300)
        let error = await Self.failure(port: server.port, configuration: configuration)
        #expect(error == .handshakeTimeout(.milliseconds(300)))
    }

    @Test func garbageInsteadOfTLS() async throws {
        let server = try await MisbehavingServer(.answerPlainHTTP)
        defer { server.stop() }
        let error = await Self.failure(port: server.port, configuration: .gostClient(trustRoots: .system))
        guard case .notTLS(let preview)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(preview.hasPrefix("\"HTTP/1.1 400 Bad Request"))
    }

    @Test func unusableConfigurationIsRejectedUpFront() throws {
        #expect(throws: TLSError.self) {
            _ = try TLSContext(configuration: .gostClient(trustRoots: .file("/nonexistent/ca.pem")))
        }
        #expect(throws: TLSError.self) {
            _ = try TLSContext(configuration: .gostClient(trustRoots: .system, cipherList: "NO-SUCH-SUITE"))
        }
        var mismatched = TLSConfiguration.gostClient(trustRoots: .system)
        mismatched.certificateChainFile = "/nonexistent/cert.pem"
        #expect(throws: TLSError.self) { _ = try TLSContext(configuration: mismatched) }
    }
}

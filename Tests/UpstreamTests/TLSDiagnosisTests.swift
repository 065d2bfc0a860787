import Foundation
import Testing
import TestSupport
import TLS
@testable import Upstream

/// `gosgatectl diagnose tls` reports against `openssl s_server`.
@Suite(.serialized)
struct TLSDiagnosisTests {
    @Test func reportsSuiteChainAndVerdict() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try UpstreamTLSTests.gostFileServer(ca, in: directory)
        defer { server.stop() }

        let report = await TLSDiagnosis.run(TLSDiagnosis.Request(
            origin: Origin(scheme: .https, host: "localhost", port: server.port),
            tls: .gostClient(trustRoots: .file(ca.certificatePath))))
        #expect(report.ok)
        #expect(report.cipherSuite == "LEGACY-GOST2012-GOST8912-GOST8912")
        #expect(report.cipherSuiteID == "0xFF85")
        #expect(report.protocolVersion == "TLSv1.2")
        #expect(report.verdict == "verified")
        #expect(report.peerChain.map(\.subject) == ["CN=localhost,O=gosgate tests", "CN=gosgate Test CA,O=gosgate tests"])
        #expect(report.handshakeMilliseconds != nil)
    }

    @Test func verificationFailureStillShowsTheChain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let server = try UpstreamTLSTests.gostFileServer(ca, in: directory)
        defer { server.stop() }

        let report = await TLSDiagnosis.run(TLSDiagnosis.Request(
            origin: Origin(scheme: .https, host: "127.0.0.1", port: server.port),
            tls: .gostClient(trustRoots: .file(ca.certificatePath)), serverName: "www.gosuslugi.ru"))
        #expect(!report.ok)
        #expect(report.code == "tls_hostname_mismatch")
        #expect(report.message?.contains("certificate is for localhost, 127.0.0.1, not www.gosuslugi.ru") == true)
        #expect(report.peerChain.first?.subject == "CN=localhost,O=gosgate tests")
        #expect(report.verdict?.hasPrefix("NOT verified") == true)
    }
}

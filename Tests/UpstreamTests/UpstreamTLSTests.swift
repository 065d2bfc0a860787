import Foundation
import NIOCore
import Testing
import TestSupport
import TLS
@testable import Upstream

/// The client over GOST TLS to `openssl s_server -WWW`, through a CONNECT proxy, and pooled over
/// ordinary TLS to Python's `ssl` server.
@Suite(.serialized)
struct UpstreamTLSTests {
    static let legacy = "LEGACY-GOST2012-GOST8912-GOST8912"

    /// `openssl s_server -WWW` serving `directory` with a GOST certificate from `ca`.
    static func gostFileServer(_ ca: TestCertificateAuthority, in directory: TemporaryDirectory,
                               cipher: String = legacy) throws -> PeerProcess {
        let leaf = try ca.issue(name: "server")
        return try PeerProcess.startServer("/usr/bin/openssl", arguments: { port in
            ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", leaf.certificatePath, "-key", leaf.keyPath,
             "-cipher", cipher, "-tls1_2", "-WWW", "-quiet"]
        }, directory: directory.url)
    }

    static func client(_ ca: TestCertificateAuthority, origin: Origin, proxy: HTTPProxy? = nil) -> UpstreamClient {
        var configuration = UpstreamConfiguration()
        configuration.tlsPerOrigin[origin] = .gostClient(trustRoots: .file(ca.certificatePath))
        configuration.proxy = proxy
        return UpstreamClient(configuration: configuration)
    }

    @Test(arguments: [legacy, "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC"])
    func downloadOverGOSTTLS(suite: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        var pattern = TransferPattern()
        let file = pattern.nextChunk(1_000_000)
        try Data(file.readableBytesView).write(to: directory.url.appendingPathComponent("order.bin"))
        let server = try Self.gostFileServer(ca, in: directory, cipher: suite)
        defer { server.stop() }

        let origin = Origin(scheme: .https, host: "localhost", port: server.port)
        let client = Self.client(ca, origin: origin)
        defer { client.shutdown() }
        let response = try await client.execute(UpstreamRequest(origin: origin, target: "/order.bin"))
        #expect(response.status == .ok)
        #expect(response.tls?.cipherSuite == suite)
        #expect(response.tls?.verdict == .verified)
        let body = try await response.body.collect(upTo: 2_000_000)
        #expect(body == file)
    }

    @Test func untrustedOriginFailsWithTheTLSReason() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        let other = try TestCertificateAuthority.create(in: directory, name: "other", commonName: "Other CA")
        let server = try Self.gostFileServer(ca, in: directory)
        defer { server.stop() }
        let origin = Origin(scheme: .https, host: "localhost", port: server.port)
        let client = Self.client(other, origin: origin)
        defer { client.shutdown() }
        do {
            _ = try await client.execute(UpstreamRequest(origin: origin, target: "/"))
            Issue.record("request over an untrusted chain succeeded")
        } catch {
            guard case .tls(let failedOrigin, .untrustedCertificate(_, let issuer, _)) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(failedOrigin == origin.description)
            #expect(issuer.contains("CN=gosgate Test CA"))
        }
    }

    @Test func proxyTunnelCarriesGOSTTLSEndToEnd() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory)
        try Data("через прокси".utf8).write(to: directory.url.appendingPathComponent("hello.txt"))
        let server = try Self.gostFileServer(ca, in: directory)
        defer { server.stop() }
        let credentials = HTTPProxy.basic(host: "127.0.0.1", port: 0, username: "gate", password: "s3cret")
        let proxy = try PythonPeers.start(PythonPeers.connectProxy, name: "proxy.py", in: directory,
                                          arguments: ["--auth", credentials.authorization!])
        defer { proxy.stop() }
        let origin = Origin(scheme: .https, host: "localhost", port: server.port)

        let client = Self.client(ca, origin: origin, proxy: try HTTPProxy(url: "http://gate:s3cret@127.0.0.1:\(proxy.port)"))
        defer { client.shutdown() }
        let response = try await client.execute(UpstreamRequest(origin: origin, target: "/hello.txt"))
        #expect(String(buffer: try await response.body.collect(upTo: 1000)) == "через прокси")
        #expect(response.tls?.cipherSuite == Self.legacy)
        #expect(proxy.output.contains("TUNNEL localhost:\(server.port)"))

        let anonymous = Self.client(ca, origin: origin, proxy: HTTPProxy(host: "127.0.0.1", port: proxy.port))
        defer { anonymous.shutdown() }
        await #expect(throws: UpstreamError.proxyAuthenticationRequired(proxy: "http://127.0.0.1:\(proxy.port)")) {
            _ = try await anonymous.execute(UpstreamRequest(origin: origin, target: "/hello.txt"))
        }
    }

    @Test func pooledTLSConnectionsAreReused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try TestCertificateAuthority.create(in: directory, algorithm: .ecdsaP256)
        let leaf = try ca.issue(name: "server")
        let server = try PythonPeers.start(PythonPeers.httpServer, name: "https_peer.py", in: directory,
                                           arguments: ["--tls", leaf.certificatePath, leaf.keyPath])
        defer { server.stop() }
        let origin = Origin(scheme: .https, host: "localhost", port: server.port)
        var configuration = UpstreamConfiguration()
        configuration.tls = .standardClient(trustRoots: .file(ca.certificatePath))
        let client = UpstreamClient(configuration: configuration)
        defer { client.shutdown() }

        func get(_ target: String) async throws -> (String, UpstreamResponse) {
            let response = try await client.execute(UpstreamRequest(origin: origin, target: target))
            return (String(buffer: try await response.body.collect(upTo: 1000)), response)
        }
        let (before, first) = try await get("/connections")
        #expect(first.tls?.verdict == .verified)
        for _ in 0..<4 { #expect(try await get("/hello").0 == "hello") }
        #expect(try await get("/connections").0 == before)
    }
}

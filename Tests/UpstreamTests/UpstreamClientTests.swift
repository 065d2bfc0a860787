import Foundation
import NIOCore
import Testing
import TestSupport
@testable import Upstream

/// The pool, framing, timeouts and failure mapping against a Python standard-library HTTP server.
@Suite(.serialized)
struct UpstreamClientTests {
    let directory: TemporaryDirectory
    let server: PeerProcess
    let origin: Origin

    init() throws {
        directory = try TemporaryDirectory()
        server = try PythonPeers.start(PythonPeers.httpServer, name: "http_peer.py", in: directory)
        origin = Origin(scheme: .http, host: "127.0.0.1", port: server.port)
    }

    func text(_ client: UpstreamClient, _ target: String) async throws -> String {
        let response = try await client.execute(UpstreamRequest(origin: origin, target: target))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    @Test func keepAliveReusesOneConnection() async throws {
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let before = try await text(client, "/connections")
        for _ in 0..<5 {
            let response = try await client.execute(UpstreamRequest(origin: origin, target: "/hello"))
            #expect(response.status == .ok)
            #expect(response.reusedConnection)
            #expect(String(buffer: try await response.body.collect(upTo: 100)) == "hello")
        }
        // The server counted no new connection for the five requests.
        #expect(try await text(client, "/connections") == before)
        #expect(client.connectionCounts(for: origin).open == 1)
    }

    @Test func concurrentRequestsStayWithinTheLimit() async throws {
        defer { server.stop(); directory.remove() }
        var configuration = UpstreamConfiguration()
        configuration.maximumConnectionsPerOrigin = 2
        let client = UpstreamClient(configuration: configuration)
        defer { client.shutdown() }
        let before = Int(try await text(client, "/connections"))!
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<12 { group.addTask { try await text(client, "/hello") } }
            for try await answer in group { #expect(answer == "hello") }
        }
        let after = Int(try await text(client, "/connections"))!
        #expect(after - before <= 1)  // one more connection at most: the limit is 2
        #expect(client.connectionCounts(for: origin).open <= 2)
    }

    @Test func connectionsTheServerClosedAreReplaced() async throws {
        server.stop()
        let idleServer = try PythonPeers.start(PythonPeers.httpServer, name: "http_idle.py", in: directory,
                                               arguments: ["--idle", "1"])
        defer { idleServer.stop(); directory.remove() }
        let origin = Origin(scheme: .http, host: "127.0.0.1", port: idleServer.port)
        let client = UpstreamClient()
        defer { client.shutdown() }

        let first = try await client.execute(UpstreamRequest(origin: origin, target: "/connections"))
        let before = Int(String(buffer: try await first.body.collect(upTo: 100)))!
        try await Task.sleep(for: .seconds(2.5))  // the server drops the idle keep-alive connection
        #expect(client.connectionCounts(for: origin).open == 0)

        let second = try await client.execute(UpstreamRequest(origin: origin, target: "/connections"))
        #expect(second.reusedConnection == false)
        #expect(Int(String(buffer: try await second.body.collect(upTo: 100)))! == before + 1)
    }

    @Test func idlePooledConnectionsExpire() async throws {
        defer { server.stop(); directory.remove() }
        var configuration = UpstreamConfiguration()
        configuration.idleConnectionTimeout = .milliseconds(200)
        let client = UpstreamClient(configuration: configuration)
        defer { client.shutdown() }
        #expect(try await text(client, "/hello") == "hello")
        #expect(client.connectionCounts(for: origin).idle == 1)
        try await Task.sleep(for: .milliseconds(700))
        #expect(client.connectionCounts(for: origin).open == 0)
        #expect(try await text(client, "/hello") == "hello")
    }

    @Test func connectionCloseIsHonoured() async throws {
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        #expect(try await text(client, "/close") == "bye")
        try await Task.sleep(for: .milliseconds(100))
        #expect(client.connectionCounts(for: origin).open == 0)
    }

    @Test func chunkedBodiesBothWays() async throws {
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let size = 5 * 1024 * 1024 + 17
        let upload = try await client.execute(UpstreamRequest(
            method: .POST, origin: origin, target: "/upload",
            body: .stream(length: nil) { writer in
                var pattern = TransferPattern()
                while pattern.position < size { try await writer.write(pattern.nextChunk(min(65_536, size - pattern.position))) }
            }))
        let answer = String(buffer: try await upload.body.collect(upTo: 1000))
        #expect(answer == #"{"length": \#(size), "intact": true}"#)

        let download = try await client.execute(UpstreamRequest(origin: origin, target: "/chunked?n=\(size)"))
        #expect(download.headers["Transfer-Encoding"].first == "chunked")
        var pattern = TransferPattern()
        for try await chunk in download.body { pattern.verify(chunk) }
        #expect(pattern.position == size)
        #expect(pattern.intact)
    }

    @Test func fixedLengthBodyFromMemory() async throws {
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        var pattern = TransferPattern()
        let response = try await client.execute(UpstreamRequest(method: .POST, origin: origin, target: "/upload",
                                                                body: .bytes(pattern.nextChunk(100_000))))
        #expect(String(buffer: try await response.body.collect(upTo: 1000)) == #"{"length": 100000, "intact": true}"#)
    }

    @Test func responseHeadTimeoutFires() async throws {
        defer { server.stop(); directory.remove() }
        var configuration = UpstreamConfiguration()
        configuration.responseHeadTimeout = .milliseconds(300)
        let client = UpstreamClient(configuration: configuration)
        defer { client.shutdown() }
        await #expect(throws: UpstreamError.responseHeadTimeout(origin: origin.description, after: .milliseconds(300))) {
            _ = try await client.execute(UpstreamRequest(origin: origin, target: "/stall-head"))
        }
    }

    @Test func cancellingTheCallerAbandonsTheRequest() async throws {
        defer { server.stop(); directory.remove() }
        var configuration = UpstreamConfiguration()
        configuration.responseHeadTimeout = .seconds(20)
        let client = UpstreamClient(configuration: configuration)
        defer { client.shutdown() }
        let origin = self.origin
        let request = Task { try await client.execute(UpstreamRequest(origin: origin, target: "/stall-head")) }
        try await Task.sleep(for: .milliseconds(200))
        request.cancel()
        // Closed by the cancellation, not by the (much later) head timeout.
        await #expect(throws: UpstreamError.connectionClosedBeforeResponse(origin: origin.description)) {
            _ = try await request.value
        }
    }

    @Test func bodyIdleTimeoutFires() async throws {
        defer { server.stop(); directory.remove() }
        var configuration = UpstreamConfiguration()
        configuration.bodyIdleTimeout = .milliseconds(300)
        let client = UpstreamClient(configuration: configuration)
        defer { client.shutdown() }
        let response = try await client.execute(UpstreamRequest(origin: origin, target: "/stall-body"))
        await #expect(throws: UpstreamError.bodyIdleTimeout(origin: origin.description, after: .milliseconds(300))) {
            for try await _ in response.body {}
        }
    }

    @Test func peerClosingMidBodyIsReported() async throws {
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let response = try await client.execute(UpstreamRequest(origin: origin, target: "/close-mid-body"))
        await #expect(throws: UpstreamError.connectionClosedMidBody(origin: origin.description)) {
            _ = try await response.body.collect(upTo: 1 << 20)
        }
    }

    @Test func refusedConnectionIsReported() async throws {
        defer { server.stop(); directory.remove() }
        let closed = Origin(scheme: .http, host: "127.0.0.1", port: try PeerProcess.freePort())
        let client = UpstreamClient()
        defer { client.shutdown() }
        do {
            _ = try await client.execute(UpstreamRequest(origin: closed, target: "/"))
            Issue.record("connected to a closed port")
        } catch {
            guard case .connectFailed(let origin, let reason) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(origin == closed.description)
            #expect(reason.lowercased().contains("refused"))
        }
    }

    @Test func connectTimeoutFires() async throws {
        defer { server.stop(); directory.remove() }
        // A listener that never accepts: once its queue holds one connection (the readiness
        // probe's), the kernel drops further SYNs and connects hang.
        let silent = try PythonPeers.start("""
            import socket, sys, time
            listener = socket.socket()
            listener.bind(("127.0.0.1", int(sys.argv[1])))
            listener.listen(0)
            time.sleep(600)
            """, name: "silent.py", in: directory)
        defer { silent.stop() }
        var configuration = UpstreamConfiguration()
        configuration.connectTimeout = .milliseconds(500)
        let client = UpstreamClient(configuration: configuration)
        defer { client.shutdown() }
        let origin = Origin(scheme: .http, host: "127.0.0.1", port: silent.port)
        await #expect(throws: UpstreamError.connectTimeout(origin: origin.description, after: .milliseconds(500))) {
            _ = try await client.execute(UpstreamRequest(origin: origin, target: "/"))
        }
    }

    @Test func slowConsumerHoldsBackTheSocket() async throws {
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let size = 128 * 1024 * 1024
        let response = try await client.execute(UpstreamRequest(origin: origin, target: "/bytes?n=\(size)"))
        var iterator = response.body.makeAsyncIterator()
        var pattern = TransferPattern()
        pattern.verify(try #require(try await iterator.next()))
        let before = ProcessMemory.resident
        try await Task.sleep(for: .seconds(1))  // the server keeps sending; the client must not keep reading
        let grown = ProcessMemory.resident - before
        #expect(grown < 32 * 1024 * 1024, "resident memory grew by \(grown) bytes while the consumer paused")
        while let chunk = try await iterator.next() { pattern.verify(chunk) }
        #expect(pattern.position == size)
        #expect(pattern.intact)
    }
}

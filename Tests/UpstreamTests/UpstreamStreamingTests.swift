import Foundation
import NIOCore
import Testing
import TestSupport
@testable import Upstream

/// Large bodies stream through the client with flat memory (256 MiB each way; the 1 GiB run is in
/// `gosgate-bench tls`).
@Suite(.serialized)
struct UpstreamStreamingTests {
    static let size = 256 * 1024 * 1024
    static let allowedGrowth = 96 * 1024 * 1024

    @Test func largeDownloadStreamsWithFlatMemory() async throws {
        let directory = try TemporaryDirectory()
        let server = try PythonPeers.start(PythonPeers.httpServer, name: "http_peer.py", in: directory)
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let origin = Origin(scheme: .http, host: "127.0.0.1", port: server.port)

        let peakBefore = ProcessMemory.peakResident
        let response = try await client.execute(UpstreamRequest(origin: origin, target: "/bytes?n=\(Self.size)"))
        var pattern = TransferPattern()
        for try await chunk in response.body { pattern.verify(chunk) }
        let growth = ProcessMemory.peakResident - peakBefore
        print("download of \(Self.size >> 20) MiB: peak RSS (VmHWM) \(peakBefore >> 20) → \(ProcessMemory.peakResident >> 20) MiB")
        #expect(pattern.position == Self.size)
        #expect(pattern.intact)
        #expect(growth < Self.allowedGrowth, "peak memory grew by \(growth >> 20) MiB")
    }

    @Test func largeUploadStreamsWithFlatMemory() async throws {
        let directory = try TemporaryDirectory()
        let server = try PythonPeers.start(PythonPeers.httpServer, name: "http_peer.py", in: directory)
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let origin = Origin(scheme: .http, host: "127.0.0.1", port: server.port)

        let peakBefore = ProcessMemory.peakResident
        let size = Self.size
        let response = try await client.execute(UpstreamRequest(
            method: .POST, origin: origin, target: "/upload",
            body: .stream(length: size) { writer in
                var pattern = TransferPattern()
                while pattern.position < size { try await writer.write(pattern.nextChunk(min(1 << 20, size - pattern.position))) }
            }))
        let answer = String(buffer: try await response.body.collect(upTo: 1000))
        let growth = ProcessMemory.peakResident - peakBefore
        print("upload of \(size >> 20) MiB: peak RSS (VmHWM) \(peakBefore >> 20) → \(ProcessMemory.peakResident >> 20) MiB")
        #expect(answer == #"{"length": \#(size), "intact": true}"#)
        #expect(growth < Self.allowedGrowth, "peak memory grew by \(growth >> 20) MiB")
    }

    @Test func bodyShorterThanAnnouncedFailsTheRequest() async throws {
        let directory = try TemporaryDirectory()
        let server = try PythonPeers.start(PythonPeers.httpServer, name: "http_peer.py", in: directory)
        defer { server.stop(); directory.remove() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let origin = Origin(scheme: .http, host: "127.0.0.1", port: server.port)
        await #expect(throws: UpstreamError.requestBodyFailed("body ended after 10 of 100 announced bytes")) {
            let response = try await client.execute(UpstreamRequest(
                method: .POST, origin: origin, target: "/upload",
                body: .stream(length: 100) { writer in try await writer.write(ByteBuffer(repeating: 0, count: 10)) }))
            _ = try await response.body.collect(upTo: 1000)
        }
    }
}

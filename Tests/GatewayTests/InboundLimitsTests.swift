import Foundation
import Gateway
import TestSupport
import Testing

/// The inbound limits a hostile or clumsy client meets: slow heads and bodies (408), oversized heads
/// (431) and bodies (413, also when the size shows only mid-stream), cut-off uploads that must not
/// reach EPGU as complete, the per-client rate and the concurrency cap.
@Suite(.serialized) struct InboundLimitsTests {
    static let route = "/api/gusmev/push/chunked?orderId=764000001&meta=1"
    static let readPath = "/api/gusmev/order/getUpdatedAfter?updatedAfter=2025-01-01T00:00:00.000"

    @Test func aHeadTypedTooSlowlyGets408AndAnIdleConnectionIsClosedQuietly() async throws {
        try await withGateway(gatewayYAML: ["header_timeout: 1s"]) { _, gateway in
            let slow = try await RawClient.exchange(port: gateway.gatewayPort, steps: [
                .send("GET /api/gusmev/order/764000001 HTTP/1.1\r\nHost: gateway\r\n"), .readToEnd,
            ])
            #expect(slow.response.hasPrefix("HTTP/1.1 408"), "\(slow.response)")
            #expect(slow.response.contains(#""code":"request_header_timeout""#))
            #expect(slow.response.lowercased().contains("x-gosgate-error: request_header_timeout"))
            #expect((0.8...5).contains(slow.seconds), "answered after \(slow.seconds) s with header_timeout 1s")

            let idle = try await RawClient.exchange(port: gateway.gatewayPort, steps: [.readToEnd])
            #expect(idle.response.isEmpty, "an idle connection is closed without an answer: \(idle.response)")
            #expect(idle.seconds < 5)
        }
    }

    @Test func aStalledBodyGets408AndNeverReachesEPGUAsComplete() async throws {
        try await withGateway(gatewayYAML: ["body_timeout: 1s"]) { upstream, gateway in
            let stalled = try await RawClient.exchange(port: gateway.gatewayPort, steps: [
                .send(Self.chunkedHead(key: gateway.clientKey, requestID: "stalled-1")),
                .send("5\r\nhello\r\n"),
                .readToEnd,
            ])
            #expect(stalled.response.hasPrefix("HTTP/1.1 408"), "\(stalled.response)")
            #expect(stalled.response.contains(#""code":"request_body_timeout""#))
            try await Task.sleep(for: .milliseconds(500))
            let reached = try await upstream.log().filter { ($0["path"] as? String)?.hasPrefix("/api/gusmev/push") == true }
            #expect(reached.isEmpty, "a cut-off upload was forwarded as complete: \(reached)")
        }
    }

    @Test func aClientThatDisconnectsMidUploadSendsNothingCompleteUpstream() async throws {
        try await withGateway { upstream, gateway in
            _ = try await RawClient.exchange(port: gateway.gatewayPort, steps: [
                .send(Self.chunkedHead(key: gateway.clientKey, requestID: "cut-1")),
                .send("5\r\nhello\r\n"), .sleep(0.5), .send("5\r\nworld\r\n"), .sleep(0.3), .close,
            ])
            try await Task.sleep(for: .seconds(1))
            let reached = try await upstream.log().filter { ($0["path"] as? String)?.hasPrefix("/api/gusmev/push") == true }
            #expect(reached.isEmpty, "a cut-off upload was forwarded as complete: \(reached)")

            // The same upload, finished, goes through byte for byte.
            let whole = try await RawClient.exchange(port: gateway.gatewayPort, steps: [
                .send(Self.chunkedHead(key: gateway.clientKey, requestID: "whole-1", close: true)),
                .send("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"), .readToEnd,
            ])
            #expect(whole.response.hasPrefix("HTTP/1.1 200"), "\(whole.response)")
            #expect(whole.response.contains(#""length": 10"#))
        }
    }

    @Test func oversizedHeadsAndBodiesAreRefusedWithTheirOwnCodes() async throws {
        try await withGateway(gatewayYAML: ["max_header_size: 8KiB", "max_body_size: 2MiB"]) { upstream, gateway in
            let bigHead = try await gateway.request("GET", Self.readPath,
                                                    headers: ["X-Padding: " + String(repeating: "a", count: 16 * 1024)])
            #expect(bigHead.status == 431)
            #expect(bigHead.headers["x-gosgate-error"] == "request_header_too_large")

            let file = gateway.directory.path("three-mib.bin")
            try Data(repeating: 0x5A, count: 3 << 20).write(to: URL(fileURLWithPath: file))
            let declared = try await gateway.request("POST", Self.route, extra: ["--data-binary", "@\(file)"])
            #expect(declared.status == 413)
            #expect(declared.headers["x-gosgate-error"] == "payload_too_large")

            // Chunked: the size shows only while streaming, after the request went upstream.
            let streamed = try await gateway.request("POST", Self.route, headers: ["Transfer-Encoding: chunked"],
                                                     extra: ["--data-binary", "@\(file)"])
            #expect(streamed.status == 413, "\(streamed.status) \(String(decoding: streamed.body, as: UTF8.self))")
            #expect(streamed.headers["x-gosgate-error"] == "payload_too_large")
            let reached = try await upstream.log().filter { ($0["path"] as? String)?.hasPrefix("/api/gusmev/push") == true }
            #expect(reached.isEmpty, "an over-limit body reached EPGU: \(reached)")
        }
    }

    @Test func aClientOverItsOwnRateIsRefusedAtOnceAndOthersAreNot() async throws {
        try await withGateway { _, gateway in
            let limited = try gateway.addClient(name: "batch", ratePerMinute: 3)
            // The window is the calendar minute: start well inside one.
            let second = Int(Date().timeIntervalSince1970) % 60
            if second > 50 { try await Task.sleep(for: .seconds(61 - second)) }
            var statuses: [Int] = []
            var last: GatewayHarness.Exchange?
            for _ in 0..<4 {
                let exchange = try await gateway.request("GET", Self.readPath, key: limited)
                statuses.append(exchange.status)
                last = exchange
            }
            #expect(statuses == [200, 200, 200, 429], "statuses \(statuses)")
            let refused = try #require(last)
            #expect(refused.headers["x-gosgate-error"] == "client_rate_limited")
            let retryAfter = try #require(refused.headers["retry-after"].flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            #expect(try await gateway.request("GET", Self.readPath).status == 200,
                    "another client keeps its share")
        }
    }

    @Test func callsBeyondTheConcurrencyCapWaitThenGet503() async throws {
        try await withGateway(gatewayYAML: ["max_concurrent_requests: 1", "body_timeout: 10s"],
                              extraYAML: "quotas:\n  queue_deadline: 1s") { _, gateway in
            // One upload holds the only slot while its body trickles in.
            async let holder = RawClient.exchange(port: gateway.gatewayPort, steps: [
                .send(Self.chunkedHead(key: gateway.clientKey, requestID: "holder", close: true)),
                .send("5\r\nhello\r\n"), .sleep(3), .send("0\r\n\r\n"), .readToEnd,
            ])
            try await Task.sleep(for: .milliseconds(700))
            let metrics = try await Curl.run(["http://127.0.0.1:\(gateway.healthPort)/metrics"])
            #expect(metrics.text.contains("\ngosgate_requests_in_flight 1\n"), "\(metrics.text)")
            let started = Date()
            let waiting = try await gateway.request("GET", Self.readPath)
            #expect(waiting.status == 503)
            #expect(waiting.headers["x-gosgate-error"] == "gateway_busy")
            #expect(Date().timeIntervalSince(started) >= 0.9, "it waited for a slot before giving up")
            #expect(try await holder.response.hasPrefix("HTTP/1.1 200"))
            let after = try await gateway.request("GET", Self.readPath)
            #expect(after.status == 200, "the slot came back: \(after.status) \(String(decoding: after.body, as: UTF8.self))")
        }
    }

    // MARK: Rig

    private func withGateway(gatewayYAML: [String] = [], extraYAML: String = "",
                             _ body: (PlainUpstream, GatewayHarness) async throws -> Void) async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url, gatewayYAML: gatewayYAML,
                                               extraYAML: extraYAML)
        do {
            try await body(upstream, gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    private static func chunkedHead(key: String, requestID: String, close: Bool = false) -> String {
        "POST \(route) HTTP/1.1\r\nHost: gateway\r\nX-Gosgate-Key: \(key)\r\nX-Request-ID: \(requestID)\r\n"
            + "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
            + (close ? "Connection: close\r\n" : "") + "\r\n"
    }
}

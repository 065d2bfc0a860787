import Foundation
import Gateway
import Store
import TestSupport
import Testing

/// The gateway end to end against a plain-HTTP stand-in (Python's http.server), through curl.
@Suite(.serialized) struct GatewayProxyTests {
    @Test func theHeaderMatrix() async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url)
        defer { Task { await gateway.stop() } }

        let exchange = try await gateway.request("POST", "/api/gusmev/order/764000001", headers: [
            "Authorization: Bearer client-secret-must-not-leak",
            "Connection: X-Hop-Private", "X-Hop-Private: 1", "Keep-Alive: timeout=5",
            "X-Forwarded-For: 6.6.6.6", "X-Request-ID: erp-42",
            "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "Content-Type: application/json",
        ], body: "{}")
        #expect(exchange.status == 200)
        #expect(exchange.headers["x-request-id"] == "erp-42")
        #expect(exchange.headers["x-gosgate-error"] == nil, "an EPGU answer must not carry the local-answer marker")
        #expect(exchange.headers["x-ratelimit-limit"] == "2000")

        let seen = try #require(exchange.json["headers"] as? [String: String])
        let authorization = try #require(seen["authorization"])
        #expect(authorization.hasPrefix("Bearer ") && authorization.split(separator: ".").count == 3,
                "the injected ESIA token replaces the client's")
        #expect(!authorization.contains("client-secret"))
        #expect(!seen.keys.contains("x-gosgate-key"))
        #expect(!seen.keys.contains("x-hop-private"))
        #expect(!seen.keys.contains("keep-alive"))
        #expect(!seen.keys.contains("x-forwarded-for"))
        #expect(seen["x-request-id"] == "erp-42")
        #expect(seen["traceparent"] == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(seen["host"] == "127.0.0.1:\(upstream.port)")
        // The gateway key never reached the upstream in any header of any request.
        let everything = try await upstream.log().map { "\($0)" }.joined()
        #expect(!everything.contains(gateway.clientKey))
        #expect(!everything.contains("client-secret-must-not-leak"))
    }

    @Test func localRefusalsAreMarkedAndPrecise() async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url)
        defer { Task { await gateway.stop() } }
        let limited = try gateway.addClient(name: "reader", routes: ["orders.status"])

        let cases: [(GatewayHarness.Exchange, Int, String)] = [
            (try await gateway.request("POST", "/api/gusmev/order", key: .some(nil), body: "{}"), 401, "client_unknown"),
            (try await gateway.request("POST", "/api/gusmev/order", key: "gg_0011223344556677_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", body: "{}"),
             401, "client_unknown"),
            (try await gateway.request("POST", "/api/gusmev/order", key: limited, body: "{}"), 403, "route_forbidden"),
            (try await gateway.request("GET", "/admin/secrets"), 404, "route_not_found"),
            (try await gateway.request("GET", "/api/gusmev/order"), 405, "method_not_allowed"),
            (try await gateway.request("GET", "/api/gusmev/../../etc/passwd"), 400, "bad_request_target"),
            (try await gateway.request("GET", "/api/gusmev/order%2F..%2Fx"), 400, "bad_request_target"),
            (try await gateway.request("POST", "/api/gusmev/order", headers: ["X-Gosgate-Identity: someone-else"], body: "{}"),
             403, "identity_forbidden"),
        ]
        for (exchange, status, code) in cases {
            #expect(exchange.status == status, "expected \(status) \(code), got \(exchange.status) \(String(decoding: exchange.body, as: UTF8.self))")
            #expect(exchange.json["code"] as? String == code)
            #expect(exchange.headers["x-gosgate-error"] == code)
        }
        // None of the refused calls reached EPGU (only ESIA may have been asked for a token).
        #expect(try await upstream.log().filter { ($0["path"] as? String)?.hasPrefix("/api/") == true }.isEmpty)
    }

    @Test func absoluteFormTargetsCannotSteerTheGateway() async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url)
        defer { Task { await gateway.stop() } }
        // The request line a proxy client sends: GET http://evil.example/… HTTP/1.1
        let script = """
        import socket, sys
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        s.sendall(b"GET http://evil.example/api/gusmev/order/getOrdersStatus HTTP/1.1\\r\\nHost: evil.example\\r\\nX-Gosgate-Key: " + sys.argv[2].encode() + b"\\r\\n\\r\\n")
        print(s.recv(65536).decode(errors="replace"))
        """
        let answer = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, String(gateway.gatewayPort),
                                                                 gateway.clientKey]).stdoutText
        #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
        #expect(answer.contains("bad_request_target"))
        #expect(try await upstream.log().filter { ($0["path"] as? String)?.hasPrefix("/api/") == true }.isEmpty)
    }

    @Test func a401IsReplayedOnceForReadsAndNeverForOrderCreation() async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url)
        defer { Task { await gateway.stop() } }

        // Token 1 will be rejected by "EPGU".
        try await upstream.control("reject-token/1")
        let status = try await gateway.request("GET", "/api/gusmev/order/getOrdersStatus?pageNum=0&pageSize=10&orderIds=1")
        #expect(status.status == 200, "\(String(decoding: status.body, as: UTF8.self))")
        #expect(status.json["token"] as? Int == 2, "replayed with a fresh token")
        let statusCalls = try await upstream.log().filter { ($0["path"] as? String)?.hasPrefix("/api/gusmev/order/getOrdersStatus") == true }
        #expect(statusCalls.count == 2)

        try await upstream.control("reject-token/2")
        let create = try await gateway.request("POST", "/api/gusmev/order", headers: ["Content-Type: application/json"],
                                         body: #"{"region":"45000000000","serviceCode":"10000000001","targetCode":"-1"}"#)
        #expect(create.status == 502)
        #expect(create.json["code"] as? String == "token_rejected_not_replayed")
        let creations = try await upstream.log().filter { $0["path"] as? String == "/api/gusmev/order" }
        #expect(creations.count == 1, "an order creation must reach EPGU at most once")
        // The next call uses token 3, obtained after the 401.
        let next = try await gateway.request("POST", "/api/gusmev/order/1")
        #expect(next.json["token"] as? Int == 3)
    }

    @Test func esiaDownGivesAPrecise503() async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        try await upstream.control("esia-down/1")
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url)
        defer { Task { await gateway.stop() } }
        let exchange = try await gateway.request("POST", "/api/gusmev/order/1")
        #expect(exchange.status == 503)
        #expect(exchange.json["code"] as? String == "esia_unreachable")
        #expect(exchange.headers["retry-after"] != nil)
        #expect(exchange.headers["x-gosgate-error"] == "esia_unreachable")
        // Dictionaries need no token and still work.
        let dictionary = try await gateway.request("POST", "/api/nsi/v1/dictionary/EXTERNAL_BIC", body: "{}")
        #expect(dictionary.status == 200)
        let seen = try #require(dictionary.json["headers"] as? [String: String])
        #expect(seen["authorization"] == nil)
    }

    @Test func upstream429PausesAndIsPassedOn() async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url)
        defer { Task { await gateway.stop() } }
        try await upstream.control("throttle/1")
        let first = try await gateway.request("POST", "/api/gusmev/order/1")
        #expect(first.status == 429)
        #expect(first.headers["x-gosgate-error"] == nil, "EPGU's own 429 is passed on unchanged")
        let started = Date()
        let second = try await gateway.request("POST", "/api/gusmev/order/1")
        #expect(second.status == 200)
        #expect(Date().timeIntervalSince(started) >= 0.8, "the identity's queue waited for Retry-After")
    }

    @Test func everyProxiedCallIsInTheVerifiedAuditChain() async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url)
        defer { Task { await gateway.stop() } }
        let payload = #"{"region":"45000000000","serviceCode":"10000000001","targetCode":"-1"}"#
        let created = try await gateway.request("POST", "/api/gusmev/order", headers: ["Content-Type: application/json"], body: payload)
        #expect(created.status == 200)
        let orderID = try #require(created.json["orderId"] as? Int)

        let records = try gateway.service.store.auditTail(limit: 50).filter { $0.kind == .proxy }
        let record = try #require(records.last)
        #expect(record.actor == "erp")
        #expect(record.subject == "order.create")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(record.detail.utf8)) as? [String: String])
        #expect(detail["order_id"] == String(orderID))
        #expect(detail["status"] == "200")
        #expect(detail["identity"] == "org")
        #expect(detail["token_generation"] == "1")
        // The request digest is Streebog-256 of the body, as the openssl CLI computes it.
        let digest = try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-r"], stdin: Data(payload.utf8)).stdoutText
        #expect(detail["request_sha"] == String(digest.split(separator: " ")[0]).uppercased())
        #expect(!record.detail.contains(gateway.clientKey))
        #expect(try gateway.service.store.verifyAudit().isIntact)
    }

    @Test func healthAndMetricsTellTheTruth() async throws {
        let upstream = try PlainUpstream()
        defer { upstream.stop() }
        try await upstream.control("esia-down/1")
        let gateway = try await GatewayHarness(esia: upstream.url, epgu: upstream.url)
        defer { Task { await gateway.stop() } }
        _ = try await gateway.request("POST", "/api/gusmev/order/1")
        let notReady = try await gateway.request("GET", "/readyz", port: gateway.healthPort)
        #expect(notReady.status == 503)
        #expect((notReady.json["reasons"] as? [String])?.first?.contains("ESIA") == true)
        #expect(try await gateway.request("GET", "/livez", port: gateway.healthPort).status == 200)

        try await upstream.control("esia-down/0")
        await gateway.service.wakeTokenManagers()
        _ = try await gateway.request("POST", "/api/gusmev/order/1")
        let ready = try await gateway.request("GET", "/readyz", port: gateway.healthPort)
        #expect(ready.status == 200, "\(String(decoding: ready.body, as: UTF8.self))")
        let metrics = String(decoding: try await gateway.request("GET", "/metrics", port: gateway.healthPort).body, as: UTF8.self)
        #expect(metrics.contains(#"gosgate_requests_total{route="order.details",status="200",client="erp"} 1"#))
        #expect(metrics.contains(#"gosgate_token_acquisitions_total{identity="org"} 1"#))
        #expect(metrics.contains("gosgate_token_failures_total{identity=\"org\",code=\"esia_unreachable\"}"))
    }
}

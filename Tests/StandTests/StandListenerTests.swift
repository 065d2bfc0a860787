import Foundation
import Stand
import Testing
import TestSupport

/// Listener layouts and token algorithms other than the defaults.
@Suite("Stand listeners and token algorithms")
struct StandListenerTests {
    @Test("RS256 tokens verify with openssl dgst -sha256 against the stand's RSA public key")
    func rs256Tokens() async throws {
        try await StandHarness.with(tokenAlgorithm: "RS256") { stand in
            let token = try await stand.obtainToken()
            let parts = token.split(separator: ".").map(String.init)
            let header = try JSONSerialization.jsonObject(with: try await StandHarness.base64urlDecode(parts[0])) as? [String: Any]
            #expect(header?["alg"] as? String == "RS256")
            try Data("\(parts[0]).\(parts[1])".utf8).write(to: URL(fileURLWithPath: stand.path("rs.input")))
            try await StandHarness.base64urlDecode(parts[2]).write(to: URL(fileURLWithPath: stand.path("rs.sig")))
            let verified = try OpenSSLCLI.run(["dgst", "-sha256", "-verify", stand.path("esia-token.pub.pem"),
                                               "-signature", stand.path("rs.sig"), stand.path("rs.input")])
            #expect(verified.status == 0 && verified.stdoutText.contains("Verified OK"), "\(verified.stdoutText) \(verified.stderr)")
            // EPGU accepts the RS256 token.
            let order = try await StandEPGUTests.createOrder(stand, token: token)
            #expect(order.status == 200, "\(order.text)")
        }
    }

    @Test("with esiaPort, ESIA has its own listener and the EPGU one does not serve ESIA")
    func separateESIAListener() async throws {
        try await StandHarness.with(adjust: { $0.listener.esiaPort = 0 }) { stand in
            #expect(stand.endpoints.esiaPort != stand.endpoints.epguPort)
            let token = try await stand.obtainToken()
            #expect(try await StandEPGUTests.createOrder(stand, token: token).status == 200)
            let signature = try await StandHarness.base64url(try stand.opensslSignature(over: stand.apiKey))
            let wrongPort = try await stand.curl([stand.epguURL("/esia-rs/api/public/v1/orgs/ext-app/\(stand.apiKey)/tkn?signature=\(signature)")])
            #expect(wrongPort.status == 404)
            let health = try await stand.curl([stand.esiaURL("/__stand/health")])
            #expect(health.status == 200)
        }
    }

    @Test("cancel: a reserved order is cancelled once, its portal status says so, and faults can be set in process")
    func cancelAndInProcessFaults() async throws {
        try await StandHarness.with { stand in
            let token = try await stand.obtainToken()
            let orderID = try #require((try await StandEPGUTests.createOrder(stand, token: token).json?["orderId"] as? NSNumber)?.int64Value)
            let cancelled = try await stand.curl(token: token, ["-X", "POST", stand.epguURL("/api/gusmev/order/\(orderID)/cancel?reason=test")])
            #expect(cancelled.status == 200, "\(cancelled.text)")
            let again = try await stand.curl(token: token, ["-X", "POST", stand.epguURL("/api/gusmev/order/\(orderID)/cancel")])
            #expect(again.status == 405)
            let details = try await StandEPGUTests.details(stand, token: token, orderID: orderID)
            #expect(details.order?["orderStatusId"] as? NSNumber == 5)
            #expect(details.order?["cancelAllowed"] as? Bool == false)
            let rows = try await stand.sqlite("SELECT phase FROM orders WHERE id = \(orderID)")
            #expect(rows.first?["phase"] as? String == "cancelled")

            try stand.stand.setFaults(StandFaults(rateLimit: .init(count: 1, retryAfterSeconds: 3)))
            let limited = try await StandEPGUTests.createOrder(stand, token: token)
            #expect(limited.status == 429 && limited.headers["retry-after"] == "3")
            #expect(stand.stand.faults.rateLimit?.count == 0)
            #expect(throws: StandError.self) { try stand.stand.setFaults(StandFaults(serverErrorRate: 2)) }
        }
    }
}

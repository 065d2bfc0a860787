import Foundation
import Gateway
import GOST
import Stand
import Store
import TestSupport
import Testing

/// The whole path: internal client → gateway → ESIA API-KEY exchange (CAdES-BES checked by the
/// stand through OpenSSL) → EPGU over GOST TLS (0xFF85) → back, with curl as the client.
@Suite(.serialized) struct GatewayStandTests {
    @Test func anOrderIsCreatedPushedAndReadThroughTheGateway() async throws {
        try await StandGatewayRig.with { rig in
            let gateway = rig.gateway
            let meta = #"{"region":"45000000000","serviceCode":"10000000001","targetCode":"-10000000001"}"#
            let created = try await gateway.request("POST", "/api/gusmev/order", headers: ["Content-Type: application/json"], body: meta)
            #expect(created.status == 200, "\(String(decoding: created.body, as: UTF8.self))")
            let orderID = try #require(created.json["orderId"] as? Int)

            let archive = rig.directory.path("archive.zip")
            try Data("PK\u{5}\u{6}".utf8 + Data(repeating: 0, count: 18)).write(to: URL(fileURLWithPath: archive))
            let pushed = try await gateway.request("POST", "/api/gusmev/push/chunked", extra: [
                "-F", "orderId=\(orderID)", "-F", "meta=\(meta);type=application/json",
                "-F", "file=@\(archive);type=application/zip",
            ])
            #expect(pushed.status == 200, "\(String(decoding: pushed.body, as: UTF8.self))")

            let status = try await gateway.request("GET", "/api/gusmev/order/getOrdersStatus?pageNum=0&pageSize=10&orderIds=\(orderID)")
            #expect(status.status == 200)
            let content = try #require(status.json["content"] as? [[String: Any]])
            #expect(content.first?["orderSearchStatus"] as? String == "FOUND")

            let dictionary = try await gateway.request("POST", "/api/nsi/v1/dictionary/EXTERNAL_BIC",
                                                 headers: ["Content-Type: application/json"], body: "{}")
            #expect(dictionary.status == 200)

            // One token was obtained for all of it, and every call is in an intact audit chain.
            let store = gateway.service.store
            let tokenEvents = try store.auditTail(limit: 100).filter { $0.kind == .token }
            #expect(tokenEvents.count == 1)
            #expect(try store.verifyAudit().isIntact)
            #expect(try store.auditTail(limit: 100).filter { $0.kind == .proxy }.count == 4)
        }
    }

    @Test func theGatewaysAPIKeySignaturePassesOpenSSL() async throws {
        try await StandGatewayRig.with { rig in
            // Sign the API-KEY exactly as the gateway does, then let openssl judge it.
            let signer = try SoftwareSigner(keyFile: rig.directory.path("stand/signer.key.pem"),
                                            certificateFile: rig.directory.path("stand/signer.pem"))
            let apiKey = try #require(rig.stand.configuration.organisations.first?.apiKeys.first?.key)
            let signature = try await CAdESBuilder.sign(content: Data(apiKey.utf8), signer: signer)
            try signature.write(to: URL(fileURLWithPath: rig.directory.path("sig.der")))
            try Data(apiKey.utf8).write(to: URL(fileURLWithPath: rig.directory.path("key.txt")))
            try OpenSSLCLI.check(["cms", "-verify", "-binary", "-inform", "DER", "-in", rig.directory.path("sig.der"),
                                  "-content", rig.directory.path("key.txt"), "-CAfile", rig.directory.path("stand/ca.pem"),
                                  "-out", "/dev/null"])
            // …and the stand accepts what the gateway sends: a call that needs a token succeeds.
            let details = try await rig.gateway.request("POST", "/api/gusmev/order/1")
            #expect(details.headers["x-gosgate-error"] == nil, "\(String(decoding: details.body, as: UTF8.self))")
        }
    }
}

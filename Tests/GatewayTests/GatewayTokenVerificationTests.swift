import Foundation
import Gateway
import GOST
import Stand
import TestSupport
import Testing

/// `esia_token_certificates` end to end: the gateway obtains a token from the stand and uses it only
/// when it verifies against the configured certificate; otherwise callers get a local 503 whose code
/// says why, and the gateway does not keep asking ESIA.
@Suite(.serialized) struct GatewayTokenVerificationTests {
    /// Runs a stand and a gateway whose test environment trusts `tokenCertificate` (a file in the
    /// stand directory) for ESIA tokens.
    func withGateway(trusting tokenCertificate: String, _ body: (GatewayHarness) async throws -> Void) async throws {
        try await StandGatewayRig.with(environmentYAML: { directory in
            ["esia_token_certificates: [\(directory.path("stand/\(tokenCertificate)"))]"]
        }) { rig in
            try await body(rig.gateway)
        }
    }

    @Test("with the stand's token certificate configured, calls go through")
    func verifiedTokenIsUsed() async throws {
        try await withGateway(trusting: "esia-token.pem") { gateway in
            let reply = try await gateway.request("POST", "/api/gusmev/order/1")
            #expect(reply.headers["x-gosgate-error"] == nil, "\(String(decoding: reply.body, as: UTF8.self))")
        }
    }

    @Test("with another certificate configured, callers get 503 token_signature_invalid and ESIA is asked once")
    func unverifiedTokenIsRefused() async throws {
        try await withGateway(trusting: "ca.pem") { gateway in
            for _ in 0..<2 {
                let reply = try await gateway.request("POST", "/api/gusmev/order/1")
                #expect(reply.status == 503)
                #expect(reply.json["code"] as? String == "token_signature_invalid", "\(reply.json)")
            }
            let failures = try gateway.service.store.auditTail(limit: 100).filter { $0.kind == .token }
            #expect(failures.count == 1, "the token manager waits for a person after a bad signature")
        }
    }
}

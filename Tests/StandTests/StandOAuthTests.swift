import Foundation
import Testing
import TestSupport

/// The emulated ESIA's OAuth v3 token endpoint with client secrets made by the openssl CLI:
/// Streebog-256 of the documented concatenation, signed raw (`openssl pkeyutl -sign`).
@Suite("Stand ESIA: OAuth v3 token endpoint")
struct StandOAuthTests {
    /// One token request's parameters, signed by openssl.
    struct SignedRequest {
        var parameters: [(String, String)]
        func value(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }
    }

    /// The certificate's `client_certificate_hash`, computed by openssl over the DER.
    static func certificateHash(_ stand: StandHarness) throws -> String {
        let der = stand.path("signer.der")
        try OpenSSLCLI.check(["x509", "-in", stand.signerCertificate, "-outform", "DER", "-out", der])
        let line = try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-r", der]).stdoutText
        return String(line.prefix { $0 != " " }).uppercased()
    }

    /// The current time in ESIA's format, by `date`.
    static func timestamp(offsetSeconds: Int = 0) async throws -> String {
        let result = try await ChildProcess.run("/usr/bin/date", ["-d", "@\(Int(Date().timeIntervalSince1970) + offsetSeconds)",
                                                                   "+%Y.%m.%d %H:%M:%S %z"])
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Builds and signs a request: `client_secret` = base64url(pkeyutl -sign(dgst(client_id+scope+scope_org+timestamp+state+redirect_uri))).
    static func signed(_ stand: StandHarness, grant: String, scope: String, extra: [(String, String)] = [],
                       timestampOffset: Int = 0, signedString override: String? = nil) async throws -> SignedRequest {
        let state = UUID().uuidString.lowercased()
        let timestamp = try await timestamp(offsetSeconds: timestampOffset)
        let toSign = override ?? (stand.mnemonic + scope + timestamp + state)
        let input = stand.path("oauth-\(state).txt"), digest = stand.path("oauth-\(state).dgst"), signature = stand.path("oauth-\(state).sig")
        try Data(toSign.utf8).write(to: URL(fileURLWithPath: input))
        try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", "-out", digest, input])
        try OpenSSLCLI.check(["pkeyutl", "-sign", "-inkey", stand.signerKey, "-in", digest, "-out", signature])
        let secret = try await StandHarness.base64url(try Data(contentsOf: URL(fileURLWithPath: signature)))
        return SignedRequest(parameters: [
            ("client_id", stand.mnemonic), ("client_secret", secret),
            ("client_certificate_hash", try certificateHash(stand)), ("grant_type", grant), ("scope", scope),
            ("state", state), ("timestamp", timestamp), ("token_type", "Bearer"),
        ] + extra)
    }

    static func post(_ stand: StandHarness, _ request: SignedRequest) async throws -> Curl.Reply {
        try await stand.curl(request.parameters.flatMap { ["--data-urlencode", "\($0.0)=\($0.1)"] }
                             + [stand.esiaURL("/aas/oauth2/v3/te")])
    }

    @Test("client_credentials then refresh_token: tokens issued, state echoed, a used refresh token refused")
    func clientCredentialsAndRefresh() async throws {
        try await StandHarness.with(tls: true) { stand in
            let scope = "http://esia.gosuslugi.ru/org_inf?org_oid=\(stand.configuration.organisations[0].oid) http://lk.gosuslugi.ru/api-order"
            let request = try await Self.signed(stand, grant: "client_credentials", scope: scope, extra: [("access_type", "offline")])
            let reply = try await Self.post(stand, request)
            #expect(reply.status == 200, "\(reply.exitCode) \(reply.stderr) \(reply.text)")
            let json = try #require(reply.json)
            #expect(json["state"] as? String == request.value("state"))
            #expect(json["token_type"] as? String == "Bearer")
            #expect((json["expires_in"] as? NSNumber)?.intValue == stand.configuration.tokens.lifetimeSeconds)
            let accessToken = try #require(json["access_token"] as? String)
            let refreshToken = try #require(json["refresh_token"] as? String)

            // The token works at EPGU.
            let dictionaryFree = try await stand.curl(token: accessToken, ["-X", "POST", "-H", "Content-Type: application/json",
                                                                            "--data-binary", #"{"region":"45000000000","serviceCode":"10000000001","targetCode":"-10000000001"}"#,
                                                                            stand.epguURL("/api/gusmev/order")])
            #expect(dictionaryFree.status == 200, "\(dictionaryFree.text)")

            let refresh = try await Self.signed(stand, grant: "refresh_token", scope: scope, extra: [("refresh_token", refreshToken)])
            let refreshed = try await Self.post(stand, refresh)
            #expect(refreshed.status == 200, "\(refreshed.text)")
            #expect(refreshed.json?["state"] as? String == refresh.value("state"))
            #expect(refreshed.json?["refresh_token"] is String)

            let again = try await Self.signed(stand, grant: "refresh_token", scope: scope, extra: [("refresh_token", refreshToken)])
            let reused = try await Self.post(stand, again)
            #expect(reused.status == 400, "\(reused.text)")
            #expect(reused.json?["error"] as? String == "invalid_grant")
            #expect((reused.json?["error_description"] as? String)?.hasPrefix("ESIA-007011") == true, "\(reused.text)")
            #expect(reused.json?["state"] as? String == again.value("state"))
        }
    }

    @Test("wrong certificate hash, wrong signed string, stale timestamp, missing parameters, JSON body: each its ESIA error")
    func refusals() async throws {
        try await StandHarness.with { stand in
            let scope = "http://lk.gosuslugi.ru/api-order"
            func expectError(_ reply: Curl.Reply, _ error: String, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(reply.status >= 400 && reply.status < 500, "\(reply.text)", sourceLocation: sourceLocation)
                #expect(reply.json?["error"] as? String == error, "\(reply.text)", sourceLocation: sourceLocation)
                #expect((reply.json?["error_description"] as? String)?.hasPrefix(code) == true, "\(reply.text)",
                        sourceLocation: sourceLocation)
            }

            var wrongHash = try await Self.signed(stand, grant: "client_credentials", scope: scope)
            wrongHash.parameters = wrongHash.parameters.map { $0.0 == "client_certificate_hash" ? ($0.0, String(repeating: "AB", count: 32)) : $0 }
            expectError(try await Self.post(stand, wrongHash), "invalid_client", "ESIA-007002")

            // The v1 order (scope+timestamp+client_id+state) is not what v3 verifies.
            let timestamp = try await Self.timestamp()
            var v1Order = try await Self.signed(stand, grant: "client_credentials", scope: scope,
                                                signedString: scope + timestamp + stand.mnemonic + "x")
            v1Order.parameters = v1Order.parameters.map { $0.0 == "timestamp" ? ($0.0, timestamp) : $0 }
            expectError(try await Self.post(stand, v1Order), "invalid_client", "ESIA-007053")

            let stale = try await Self.signed(stand, grant: "client_credentials", scope: scope, timestampOffset: -3600)
            expectError(try await Self.post(stand, stale), "invalid_request", "ESIA-007015")

            let missing = try await stand.curl(["--data-urlencode", "client_id=\(stand.mnemonic)", stand.esiaURL("/aas/oauth2/v3/te")])
            expectError(missing, "invalid_request", "ESIA-007014")
            #expect((missing.json?["error_description"] as? String)?.contains("client_certificate_hash") == true)

            let json = try await stand.curl(["-H", "Content-Type: application/json", "--data-binary", #"{"client_id":"x"}"#,
                                             stand.esiaURL("/aas/oauth2/v3/te")])
            expectError(json, "invalid_request", "ESIA-007014")

            let authorizationCode = try await Self.signed(stand, grant: "authorization_code", scope: scope)
            expectError(try await Self.post(stand, authorizationCode), "unsupported_grant_type", "ESIA-007009")
        }
    }

    @Test("prm_chg re-issues a token for the citizen named in the scope")
    func consentReissue() async throws {
        try await StandHarness.with { stand in
            let request = try await Self.signed(stand, grant: "client_credentials", scope: "prm_chg?oid=1000299353")
            let reply = try await Self.post(stand, request)
            #expect(reply.status == 200, "\(reply.text)")
            let token = try #require(reply.json?["access_token"] as? String)
            let payload = try JSONSerialization.jsonObject(
                with: try await StandHarness.base64urlDecode(String(token.split(separator: ".")[1]))) as? [String: Any]
            #expect((payload?["urn:esia:sbj_id"] as? NSNumber)?.int64Value == 1000299353)
            #expect(payload?["client_id"] as? String == stand.mnemonic)
        }
    }
}

import ESIA
import Foundation
import GOST
import Synchronization
import TestSupport
import Testing

/// Captures what the gateway would send to ESIA and answers with a scripted response.
final class RecordingTransport: ESIATransport {
    private let state = Mutex<(requests: [ESIARequest], answers: [ESIAResponse])>(([], []))
    init(_ answers: [ESIAResponse]) { state.withLock { $0.answers = answers } }
    var requests: [ESIARequest] { state.withLock { $0.requests } }

    func send(_ request: ESIARequest) async throws(ESIAError) -> ESIAResponse {
        state.withLock { state in
            state.requests.append(request)
            return state.answers.count > 1 ? state.answers.removeFirst() : state.answers[0]
        }
    }
}

/// A transport for a host that does not answer.
struct DeadTransport: ESIATransport {
    func send(_ request: ESIARequest) async throws(ESIAError) -> ESIAResponse {
        throw .unreachable("connect to \(request.url.host ?? "?"):443 refused")
    }
}

private func formFields(_ body: Data?) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in String(decoding: body ?? Data(), as: UTF8.self).split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
        if parts.count == 2 { fields[parts[0]] = parts[1] }
    }
    return fields
}

private func jsonBody(_ object: [String: Any]) -> Data {
    try! JSONSerialization.data(withJSONObject: object)
}

@Suite struct APIKeyTokenSourceTests {
    let apiKey = "6b0f3a4e-2c1d-4f5e-9a8b-7c6d5e4f3a2b"
    let esia = URL(string: "https://esia-portal1.test.gosuslugi.ru")!

    @Test func sendsAVerifiableDetachedCAdESOverTheAPIKey() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pair = try GOSTFixtures.selfSigned(in: dir)
        let signer = try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath)
        let jwt = makeJWT(exp: Date().addingTimeInterval(3600))
        let transport = RecordingTransport([ESIAResponse(status: 200, body: jsonBody(["accessTkn": jwt]))])
        let source = APIKeyTokenSource(apiKey: apiKey, esia: esia, signer: signer, transport: transport)

        let token = try await source.obtainToken()
        #expect(token.bearerValue == jwt)

        let request = try #require(transport.requests.first)
        #expect(request.method == "GET")
        let components = try #require(URLComponents(url: request.url, resolvingAgainstBaseURL: false))
        #expect(components.host == "esia-portal1.test.gosuslugi.ru")
        #expect(components.path == "/esia-rs/api/public/v1/orgs/ext-app/\(apiKey)/tkn")
        #expect(components.queryItems?.map(\.name) == ["signature"])
        let signatureText = try #require(components.queryItems?.first?.value)
        #expect(!signatureText.contains("=") && !signatureText.contains("+") && !signatureText.contains("/"))

        // The openssl CLI, not our verifier, judges the signature.
        let signaturePath = dir.path("sig.der"), contentPath = dir.path("apikey.txt")
        try Base64URL.decode(signatureText).write(to: URL(fileURLWithPath: signaturePath))
        try Data(apiKey.utf8).write(to: URL(fileURLWithPath: contentPath))
        try OpenSSLCLI.check(["cms", "-verify", "-binary", "-inform", "DER", "-in", signaturePath,
                              "-content", contentPath, "-CAfile", pair.certificatePath, "-out", "/dev/null"])
        let printed = try OpenSSLCLI.check(["cms", "-cmsout", "-print", "-inform", "DER", "-in", signaturePath]).stdoutText
        #expect(printed.contains("1.2.840.113549.1.9.16.2.47") || printed.contains("signingCertificateV2"))
    }

    @Test func esiaErrorsAreMappedToPreciseReasons() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pair = try GOSTFixtures.selfSigned(in: dir)
        let signer = try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath)
        let cases: [(ESIAResponse, TokenUnavailable)] = [
            (ESIAResponse(status: 400, body: jsonBody(["code": "ESIA-007002", "message": "cert"])),
             .esiaRefused(code: "ESIA-007002", message: ESIARefusal(httpStatus: 400, esiaCode: "ESIA-007002").advice)),
            (ESIAResponse(status: 503, body: Data("down".utf8)),
             .esiaUnreachable(ESIARefusal(httpStatus: 503, esiaCode: nil).description)),
            (ESIAResponse(status: 200, body: Data("{}".utf8)), .esiaUnreachable("HTTP 200 without an accessTkn field")),
        ]
        for (response, expected) in cases {
            let source = APIKeyTokenSource(apiKey: apiKey, esia: esia, signer: signer, transport: RecordingTransport([response]))
            await #expect(throws: expected) { try await source.obtainToken() }
        }
        let dead = APIKeyTokenSource(apiKey: apiKey, esia: esia, signer: signer, transport: DeadTransport())
        await #expect(throws: TokenUnavailable.esiaUnreachable("connect to esia-portal1.test.gosuslugi.ru:443 refused")) {
            try await dead.obtainToken()
        }
    }

    @Test func aSkewedClockIsNamedInsteadOfESIAsError() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pair = try GOSTFixtures.selfSigned(in: dir)
        let signer = try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath)
        let serverDate = "Sun, 22 Nov 2026 12:00:00 GMT"
        let local = Date(timeIntervalSince1970: 1_795_349_100)  // 12:05:00 GMT that day: 5 min ahead
        let response = ESIAResponse(status: 400, headers: [("Date", serverDate)],
                                    body: jsonBody(["code": "ESIA-007015"]))
        let source = APIKeyTokenSource(apiKey: apiKey, esia: esia, signer: signer, transport: RecordingTransport([response]),
                                       now: { local })
        do {
            _ = try await source.obtainToken()
            Issue.record("accepted")
        } catch {
            #expect(error.code == "clock_unusable")
            #expect(error.description.contains("300 s ahead"))
        }
    }

    @Test func signerFailuresKeepTheirMeaning() async throws {
        struct AbsentCard: DigestSigner {
            let certificate: GOSTCertificate
            func sign(digest: Data) async throws -> Data { throw CancellationError() }
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pair = try GOSTFixtures.selfSigned(in: dir)
        let signer = AbsentCard(certificate: try GOSTCertificate(contentsOfFile: pair.certificatePath))
        let transport = RecordingTransport([ESIAResponse(status: 500, body: Data())])
        let source = APIKeyTokenSource(apiKey: apiKey, esia: esia, signer: signer, transport: transport,
                                       classifySignerError: { _ in .tokenAbsent })
        await #expect(throws: TokenUnavailable.tokenAbsent) { try await source.obtainToken() }
        #expect(transport.requests.isEmpty, "nothing may reach ESIA without a signature")
    }
}

@Suite struct OAuthTokenSourceTests {
    let esia = URL(string: "https://esia-portal1.test.gosuslugi.ru/")!

    @Test func clientCredentialsThenRefreshWithAVerifiableRawSecret() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pair = try GOSTFixtures.selfSigned(in: dir)
        let signer = try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath)
        let transport = EchoStateTransport()
        let source = OAuthTokenSource(clientID: "TESTSYS", scope: "prm_chg?oid=1000299654", esia: esia,
                                      signer: signer, transport: transport)
        _ = try await source.obtainToken()
        _ = try await source.obtainToken()

        let requests = transport.requests
        #expect(requests.count == 2)
        let first = formFields(requests[0].body), second = formFields(requests[1].body)
        #expect(requests[0].url.absoluteString == "https://esia-portal1.test.gosuslugi.ru/aas/oauth2/v3/te")
        #expect(first["grant_type"] == "client_credentials")
        #expect(second["grant_type"] == "refresh_token")
        #expect(second["refresh_token"] == "refresh-1")
        #expect(first["token_type"] == "Bearer")
        let timestamp = try #require(first["timestamp"])
        #expect(timestamp.range(of: #"^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression) != nil)

        // client_certificate_hash: uppercase Streebog-256 of the DER, as openssl computes it.
        let der = dir.path("cert.der")
        try OpenSSLCLI.check(["x509", "-in", pair.certificatePath, "-outform", "DER", "-out", der])
        let hash = try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-r", der]).stdoutText.split(separator: " ")[0]
        #expect(first["client_certificate_hash"] == hash.uppercased())

        // client_secret: raw s‖r over Streebog-256 of client_id+scope+timestamp+state, checked by openssl.
        let signed = "TESTSYS" + "prm_chg?oid=1000299654" + timestamp + (first["state"] ?? "")
        let message = dir.path("signed.txt"), digest = dir.path("signed.dgst"), sig = dir.path("secret.sig")
        try Data(signed.utf8).write(to: URL(fileURLWithPath: message))
        try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", "-out", digest, message])
        try Base64URL.decode(try #require(first["client_secret"])).write(to: URL(fileURLWithPath: sig))
        let verified = try OpenSSLCLI.run(["pkeyutl", "-verify", "-inkey", pair.keyPath, "-in", digest, "-sigfile", sig])
        #expect(verified.status == 0, "\(verified.stderr)")
    }

    @Test func aStateMismatchIsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pair = try GOSTFixtures.selfSigned(in: dir)
        let signer = try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath)
        let jwt = makeJWT(exp: Date().addingTimeInterval(3600))
        let transport = RecordingTransport([ESIAResponse(status: 200, body: jsonBody(["access_token": jwt, "state": "forged"]))])
        let source = OAuthTokenSource(clientID: "TESTSYS", scope: "openid", esia: esia, signer: signer, transport: transport)
        do {
            _ = try await source.obtainToken()
            Issue.record("a token with a foreign state was accepted")
        } catch {
            #expect(error == .esiaRefused(code: "esia_state_mismatch",
                                          message: "ESIA's answer carries a different state than the request; refusing the token"))
        }
    }
}

/// Answers the v3 token endpoint like ESIA: echoes `state`, issues a refresh token.
final class EchoStateTransport: ESIATransport {
    private let captured = Mutex<[ESIARequest]>([])
    var requests: [ESIARequest] { captured.withLock { $0 } }

    func send(_ request: ESIARequest) async throws(ESIAError) -> ESIAResponse {
        let count = captured.withLock { $0.append(request); return $0.count }
        let state = formFields(request.body)["state"] ?? ""
        let body = try! JSONSerialization.data(withJSONObject: [
            "access_token": makeJWT(exp: Date().addingTimeInterval(3600)), "state": state,
            "token_type": "Bearer", "expires_in": 3600, "refresh_token": "refresh-\(count)",
        ])
        return ESIAResponse(status: 200, body: body)
    }
}

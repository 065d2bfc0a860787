import ESIA
import Foundation
import GOST
import TestSupport
import Testing

/// ESIA's keys stood in for by the openssl CLI: an RSA and a GOST 2012-256 certificate, plus a
/// second GOST certificate ESIA did not sign with. Tokens are signed by `openssl dgst -sign`, never
/// by our code.
private struct PeerESIA {
    let directory: TemporaryDirectory
    var rsaKey: String { directory.path("esia-rsa.key") }
    var rsaCertificate: String { directory.path("esia-rsa.pem") }
    var gostKey: String { directory.path("esia-gost.key") }
    var gostCertificate: String { directory.path("esia-gost.pem") }
    var strangerCertificate: String { directory.path("stranger-gost.pem") }

    static func make() async throws -> PeerESIA {
        let peer = PeerESIA(directory: try TemporaryDirectory(prefix: "gosgate-jwt"))
        try await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", peer.rsaKey,
                           "-out", peer.rsaCertificate, "-days", "30", "-subj", "/CN=ESIA RSA test"])
        for (key, certificate, name) in [(peer.gostKey, peer.gostCertificate, "TESIA GOST 2012 test"),
                                         (peer.directory.path("stranger-gost.key"), peer.strangerCertificate, "stranger")] {
            try await openssl(["genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", key])
            try await openssl(["req", "-new", "-x509", "-key", key, "-out", certificate, "-days", "30", "-subj", "/CN=\(name)"])
        }
        return peer
    }

    /// A compact JWS shaped like ESIA's (research/esia-epgu-protocol.md §5) with `alg` in the header,
    /// signed by openssl over the ASCII `header.payload`: RS256 with SHA-256 PKCS#1 v1.5, GOST with
    /// Streebog-256. gost-engine's `dgst -sign` writes `s‖r` big-endian, the order ESIA's JWS carries
    /// (ekapusta pipes ESIA's decoded signature straight into `openssl dgst -verify`), so it is used as is.
    func token(alg: String = "GOST3410_2012_256", signAs signingAlg: String? = nil,
               claims: [String: Any] = [:]) async throws -> String {
        let input = Self.signingInput(alg: alg, claims: claims)
        let signature = try await sign(input, as: signingAlg ?? alg)
        return input + "." + Self.base64url(signature)
    }

    func sign(_ input: String, as alg: String) async throws -> Data {
        let message = directory.path("input-\(UUID().uuidString)"), output = directory.path("sig-\(UUID().uuidString)")
        try Data(input.utf8).write(to: URL(fileURLWithPath: message))
        let arguments = alg == "RS256" ? ["-sha256", "-sign", rsaKey] : ["-md_gost12_256", "-sign", gostKey]
        try await Self.openssl(["dgst"] + arguments + ["-out", output, message])
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    static func signingInput(alg: String, claims: [String: Any] = [:]) -> String {
        let now = Int(Date().timeIntervalSince1970)
        var payload: [String: Any] = [
            "nbf": now, "scope": "http://lk.gosuslugi.ru/api-order?org_oid=1000299654",
            "iss": "http://esia-portal1.test.gosuslugi.ru/", "urn:esia:sid": UUID().uuidString.lowercased(),
            "urn:esia:sbj_id": 1_000_299_654, "exp": now + 3600, "iat": now, "client_id": "TESTSYS",
        ]
        payload.merge(claims) { _, new in new }
        let header = try! JSONSerialization.data(withJSONObject: ["ver": 1, "typ": "JWT", "sbt": "access", "alg": alg] as [String: Any],
                                                 options: .sortedKeys)
        let body = try! JSONSerialization.data(withJSONObject: payload, options: .sortedKeys)
        return base64url(header) + "." + base64url(body)
    }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @discardableResult
    static func openssl(_ arguments: [String]) async throws -> ChildProcess.Result {
        let result = try await ChildProcess.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw CLIFailure(command: "openssl " + arguments.joined(separator: " "), status: result.status, stderr: result.stderr)
        }
        return result
    }
}

/// Replaces the signature part of a compact JWS.
private func replacingSignature(of jwt: String, with signature: Data) -> String {
    let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
    return "\(parts[0]).\(parts[1]).\(PeerESIA.base64url(signature))"
}

private func signature(of jwt: String) throws -> Data {
    try Base64URL.decode(String(jwt.split(separator: ".", omittingEmptySubsequences: false)[2]))
}

@Suite("JWT signature verification against configured ESIA certificates")
struct JWTSignatureVerifierTests {
    @Test("RS256 and GOST3410_2012_256 tokens signed by openssl verify against their certificates")
    func peerSignedTokensVerify() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let verifier = JWTSignatureVerifier(certificatePaths: [esia.rsaCertificate, esia.gostCertificate])

        let rsa = try verifier.verify(try AccessToken(jwt: try await esia.token(alg: "RS256")))
        #expect(rsa.algorithm == .rs256)
        #expect(rsa.origin.contains("ESIA RSA test"))
        let gost = try verifier.verify(try AccessToken(jwt: try await esia.token(alg: "GOST3410_2012_256")))
        #expect(gost.algorithm == .gost3410_2012_256)
        #expect(gost.origin.contains("TESIA GOST 2012 test"))
    }

    @Test("a DER .cer in a configured directory is found, as in ESIA's certificate archive")
    func directoryOfDERCertificates() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let folder = esia.directory.path("esia-certs")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try await PeerESIA.openssl(["x509", "-in", esia.gostCertificate, "-outform", "DER", "-out", folder + "/GOST_TEST.cer"])
        try await PeerESIA.openssl(["x509", "-in", esia.rsaCertificate, "-outform", "DER", "-out", folder + "/RSA_TEST.cer"])
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: folder + "/README.txt"))
        let verifier = JWTSignatureVerifier(certificatePaths: [folder])

        #expect(try verifier.verify(try AccessToken(jwt: try await esia.token(alg: "GOST3410_2012_256"))).algorithm == .gost3410_2012_256)
        #expect(try verifier.verify(try AccessToken(jwt: try await esia.token(alg: "RS256"))).algorithm == .rs256)
    }

    @Test("a payload changed after signing fails as a signature mismatch", arguments: ["RS256", "GOST3410_2012_256"])
    func tamperedPayload(alg: String) async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let genuine = try await esia.token(alg: alg)
        let forgedInput = PeerESIA.signingInput(alg: alg, claims: ["scope": "http://lk.gosuslugi.ru/api-order?org_oid=1"])
        let forged = forgedInput + "." + genuine.split(separator: ".")[2]
        let verifier = JWTSignatureVerifier(certificatePaths: [esia.rsaCertificate, esia.gostCertificate])

        #expect(throws: JWTVerificationError.signatureMismatch(JWTAlgorithm(rawValue: alg)!, tried: [
            alg == "RS256" ? "CN=ESIA RSA test (\(esia.rsaCertificate))" : "CN=TESIA GOST 2012 test (\(esia.gostCertificate))",
        ])) {
            try verifier.verify(try AccessToken(jwt: forged))
        }
    }

    @Test("a token checked against a certificate ESIA did not sign with fails as a signature mismatch")
    func wrongCertificate() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let verifier = JWTSignatureVerifier(certificatePaths: [esia.strangerCertificate])
        let token = try AccessToken(jwt: try await esia.token(alg: "GOST3410_2012_256"))

        #expect(throws: JWTVerificationError.signatureMismatch(.gost3410_2012_256, tried: ["CN=stranger (\(esia.strangerCertificate))"])) {
            try verifier.verify(token)
        }
        // Adding the right certificate next to the stranger is enough.
        let both = JWTSignatureVerifier(certificatePaths: [esia.strangerCertificate, esia.gostCertificate])
        #expect(try both.verify(token).origin.contains("TESIA"))
    }

    @Test("a CryptoPro-order (byte-reversed) GOST signature is refused: a JWS carries s‖r as OpenSSL writes it")
    func reversedGOSTSignatureRefused() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let jwt = try await esia.token(alg: "GOST3410_2012_256")
        let reversed = replacingSignature(of: jwt, with: GOSTByteOrder.signature(fromCryptoPro: try signature(of: jwt)))
        let verifier = JWTSignatureVerifier(certificatePaths: [esia.gostCertificate])

        #expect(throws: JWTVerificationError.self) { try verifier.verify(try AccessToken(jwt: reversed)) }
        #expect(try verifier.verify(try AccessToken(jwt: jwt)).algorithm == .gost3410_2012_256)
    }

    @Test("a header whose alg was swapped fails as an alg/key mismatch, in both directions")
    func algorithmSwapped() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let verifier = JWTSignatureVerifier(certificatePaths: [esia.rsaCertificate, esia.gostCertificate])
        // The attacker keeps a genuine signature and claims the other algorithm in the header.
        let rsaSignedClaimingGOST = try await esia.token(alg: "GOST3410_2012_256", signAs: "RS256")
        let gostSignedClaimingRSA = try await esia.token(alg: "RS256", signAs: "GOST3410_2012_256")

        #expect(throws: JWTVerificationError.algorithmKeyMismatch(.gost3410_2012_256, signatureBytes: 256, fits: .rs256)) {
            try verifier.verify(try AccessToken(jwt: rsaSignedClaimingGOST))
        }
        #expect(throws: JWTVerificationError.algorithmKeyMismatch(.rs256, signatureBytes: 64, fits: .gost3410_2012_256)) {
            try verifier.verify(try AccessToken(jwt: gostSignedClaimingRSA))
        }
    }

    @Test("a truncated signature fails as malformed, naming the lengths", arguments: ["RS256", "GOST3410_2012_256"])
    func truncatedSignature(alg: String) async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let jwt = try await esia.token(alg: alg)
        let full = try signature(of: jwt)
        let truncated = replacingSignature(of: jwt, with: full.prefix(full.count - 1))
        let verifier = JWTSignatureVerifier(certificatePaths: [esia.rsaCertificate, esia.gostCertificate])

        #expect(throws: JWTVerificationError.malformedSignature(
            "\(full.count - 1) bytes where the configured \(alg) keys sign \(full.count) bytes: truncated or damaged")) {
            try verifier.verify(try AccessToken(jwt: truncated))
        }
        let unsigned = replacingSignature(of: jwt, with: Data())
        #expect(throws: JWTVerificationError.malformedSignature("the token carries no signature")) {
            try verifier.verify(try AccessToken(jwt: unsigned))
        }
    }

    @Test("an alg ESIA does not use, or one without a configured certificate, is named")
    func unknownOrUnconfiguredAlgorithm() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let rsaOnly = JWTSignatureVerifier(certificatePaths: [esia.rsaCertificate])
        let hs256 = PeerESIA.signingInput(alg: "HS256") + ".c2lnbmF0dXJl"

        #expect(throws: JWTVerificationError.unknownAlgorithm("HS256")) { try rsaOnly.verify(try AccessToken(jwt: hs256)) }
        let gostToken = try AccessToken(jwt: try await esia.token(alg: "GOST3410_2012_256"))
        #expect(throws: JWTVerificationError.noCertificateForAlgorithm(
            .gost3410_2012_256, configured: ["RS256 key of CN=ESIA RSA test (\(esia.rsaCertificate))"])) {
            try rsaOnly.verify(gostToken)
        }
    }

    @Test("configured files that cannot serve are named with the reason")
    func unusableCertificates() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let token = try AccessToken(jwt: try await esia.token(alg: "GOST3410_2012_256"))
        let missing = esia.directory.path("missing.cer")
        #expect(throws: JWTVerificationError.certificateUnusable(path: missing, reason: "no such file or directory")) {
            try JWTSignatureVerifier(certificatePaths: [missing]).verify(token)
        }
        let key512 = esia.directory.path("gost512.key"), cert512 = esia.directory.path("gost512.pem")
        try await PeerESIA.openssl(["genpkey", "-algorithm", "gost2012_512", "-pkeyopt", "paramset:A", "-out", key512])
        try await PeerESIA.openssl(["req", "-new", "-x509", "-key", key512, "-out", cert512, "-days", "30", "-subj", "/CN=big"])
        do {
            try JWTSignatureVerifier(certificatePaths: [cert512]).verify(token)
            Issue.record("a 512-bit GOST certificate was accepted as an ESIA token key")
        } catch {
            guard case .certificateUnusable(let path, let reason) = error else {
                Issue.record("expected an unusable certificate, got \(error)")
                return
            }
            #expect(path == cert512)
            #expect(reason.contains("512"))
        }
    }

    @Test("a bare PEM public key (what an RS256 stand hands out) is accepted too")
    func publicKeyPEM() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let publicKeys = esia.directory.path("keys.pem")
        let rsa = try await PeerESIA.openssl(["pkey", "-in", esia.rsaKey, "-pubout"])
        let gost = try await PeerESIA.openssl(["pkey", "-in", esia.gostKey, "-pubout"])
        try (rsa.stdout + gost.stdout).write(to: URL(fileURLWithPath: publicKeys))
        let verifier = JWTSignatureVerifier(certificatePaths: [publicKeys])

        #expect(try verifier.verify(try AccessToken(jwt: try await esia.token(alg: "RS256"))).origin == "public key #1 (\(publicKeys))")
        #expect(try verifier.verify(try AccessToken(jwt: try await esia.token(alg: "GOST3410_2012_256"))).origin == "public key #2 (\(publicKeys))")
    }
}

@Suite("Token sources refuse ESIA tokens that do not verify")
struct TokenSourceVerificationTests {
    let esiaOrigin = URL(string: "https://esia-portal1.test.gosuslugi.ru")!

    @Test("API-KEY exchange: a verified token is served; a forged one fails as token_signature_invalid and is not retried")
    func apiKeySource() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: esia.directory, name: "card")
        let signer = try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath)
        let verifier = JWTSignatureVerifier(certificatePaths: [esia.gostCertificate])

        let genuine = try await esia.token()
        let good = RecordingTransport([ESIAResponse(status: 200, body: try JSONSerialization.data(withJSONObject: ["accessTkn": genuine]))])
        let source = APIKeyTokenSource(apiKey: "6b0f3a4e-2c1d-4f5e-9a8b-7c6d5e4f3a2b", esia: esiaOrigin, signer: signer,
                                       transport: good, tokenVerifier: verifier)
        #expect(try await source.obtainToken().bearerValue == genuine)

        let forged = PeerESIA.signingInput(alg: "GOST3410_2012_256", claims: ["client_id": "OTHER"]) + "." + genuine.split(separator: ".")[2]
        let bad = RecordingTransport([ESIAResponse(status: 200, body: try JSONSerialization.data(withJSONObject: ["accessTkn": forged]))])
        let forgedSource = APIKeyTokenSource(apiKey: "6b0f3a4e-2c1d-4f5e-9a8b-7c6d5e4f3a2b", esia: esiaOrigin, signer: signer,
                                             transport: bad, tokenVerifier: verifier)
        do {
            _ = try await forgedSource.obtainToken()
            Issue.record("a forged token was accepted")
        } catch {
            #expect(error.code == "token_signature_invalid")
            #expect(error.needsPerson)
            #expect(error.description.contains("does not verify with any configured ESIA certificate"))
        }

        // The token manager stops at the first such failure instead of asking ESIA again and again.
        let manager = TokenManager(identity: "forged", source: forgedSource)
        for _ in 0..<3 {
            do {
                _ = try await manager.lease()
                Issue.record("the manager handed out a forged token")
            } catch {
                #expect(error.reason.code == "token_signature_invalid")
                #expect(error.retryAfter == nil)
            }
        }
        #expect(bad.requests.count == 2, "one request by the direct call, one by the manager")
        #expect(await manager.status().waitingForPerson)
    }

    @Test("OAuth: a token that does not verify is refused, and the refresh token from that answer is not used")
    func oauthSource() async throws {
        let esia = try await PeerESIA.make()
        defer { esia.directory.remove() }
        let pair = try GOSTFixtures.selfSigned(in: esia.directory, name: "card")
        let signer = try SoftwareSigner(keyFile: pair.keyPath, certificateFile: pair.certificatePath)
        // EchoStateTransport hands out tokens with a dummy signature and a refresh token each time.
        let transport = EchoStateTransport()
        let source = OAuthTokenSource(clientID: "TESTSYS", scope: "openid", esia: esiaOrigin, signer: signer,
                                      transport: transport,
                                      tokenVerifier: JWTSignatureVerifier(certificatePaths: [esia.gostCertificate]))
        for _ in 0..<2 {
            do {
                _ = try await source.obtainToken()
                Issue.record("an unsigned token was accepted")
            } catch {
                #expect(error.code == "token_signature_invalid")
            }
        }
        let grants = transport.requests.map { String(decoding: $0.body ?? Data(), as: UTF8.self) }
        #expect(grants.allSatisfy { $0.contains("grant_type=client_credentials") && !$0.contains("refresh_token=") })
    }
}

import Foundation
import GOST
import Stand
import Testing
import TestSupport

/// The emulated ESIA's API-KEY exchange against signatures made by the openssl CLI and by our
/// CAdES builder, and its JWTs checked by `openssl pkeyutl -verify`.
@Suite("Stand ESIA: API-KEY exchange")
struct StandESIATests {
    @Test("an API-KEY signed by openssl cms -cades gets a JWT that openssl verifies against the stand's certificate")
    func opensslSignatureAccepted() async throws {
        try await StandHarness.with { stand in
            let signature = try await StandHarness.base64url(try stand.opensslSignature(over: stand.apiKey))
            let reply = try await stand.exchange(apiKey: stand.apiKey, signature: signature)
            #expect(reply.status == 200, "\(reply.text)")
            let jwt = try #require(reply.json?["accessTkn"] as? String)
            let parts = jwt.split(separator: ".").map(String.init)
            try #require(parts.count == 3)

            let header = try JSONSerialization.jsonObject(with: try await StandHarness.base64urlDecode(parts[0])) as? [String: Any]
            #expect(header?["alg"] as? String == "GOST3410_2012_256")
            #expect(header?["sbt"] as? String == "access")
            #expect(header?["typ"] as? String == "JWT")
            let payload = try #require(try JSONSerialization.jsonObject(with: try await StandHarness.base64urlDecode(parts[1])) as? [String: Any])
            #expect(payload["client_id"] as? String == stand.mnemonic)
            #expect((payload["urn:esia:sbj_id"] as? NSNumber)?.int64Value == stand.configuration.organisations[0].apiKeys[0].userOID)
            #expect((payload["scope"] as? String)?.contains("http://lk.gosuslugi.ru/api-order") == true)
            let iat = try #require((payload["iat"] as? NSNumber)?.intValue)
            let exp = try #require((payload["exp"] as? NSNumber)?.intValue)
            #expect(exp - iat == stand.configuration.tokens.lifetimeSeconds)
            #expect(payload["iss"] as? String == stand.configuration.issuer)

            // The peer recomputes Streebog-256 over ASCII header.payload and checks s‖r with the certificate.
            let signedPart = stand.path("jwt-signed-part")
            try Data("\(parts[0]).\(parts[1])".utf8).write(to: URL(fileURLWithPath: signedPart))
            try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", "-out", stand.path("jwt.digest"), signedPart])
            try await StandHarness.base64urlDecode(parts[2]).write(to: URL(fileURLWithPath: stand.path("jwt.sig")))
            let verified = try OpenSSLCLI.run(["pkeyutl", "-verify", "-certin", "-inkey", stand.tokenCertificate,
                                               "-in", stand.path("jwt.digest"), "-sigfile", stand.path("jwt.sig")])
            #expect(verified.status == 0 && verified.stdoutText.contains("Signature Verified Successfully"),
                    "\(verified.stdoutText) \(verified.stderr)")

            // And the same check fails for a payload the stand did not sign.
            try Data("\(parts[0]).\(parts[0])".utf8).write(to: URL(fileURLWithPath: signedPart))
            try OpenSSLCLI.check(["dgst", "-md_gost12_256", "-binary", "-out", stand.path("jwt.digest"), signedPart])
            let forged = try OpenSSLCLI.run(["pkeyutl", "-verify", "-certin", "-inkey", stand.tokenCertificate,
                                             "-in", stand.path("jwt.digest"), "-sigfile", stand.path("jwt.sig")])
            #expect(forged.status != 0)
        }
    }

    @Test("a signature from our CAdES builder is accepted over GOST TLS, and openssl cms -verify agrees it is valid")
    func cadesBuilderSignatureAcceptedOverGOSTTLS() async throws {
        try await StandHarness.with(tls: true) { stand in
            let signer = try SoftwareSigner(keyFile: stand.signerKey, certificateFile: stand.signerCertificate)
            let der = try await CAdESBuilder.sign(content: Data(stand.apiKey.utf8), signer: signer)
            try der.write(to: URL(fileURLWithPath: stand.path("ours.der")))
            try Data(stand.apiKey.utf8).write(to: URL(fileURLWithPath: stand.path("key.txt")))
            try OpenSSLCLI.check(["cms", "-verify", "-binary", "-inform", "DER", "-in", stand.path("ours.der"),
                                  "-content", stand.path("key.txt"), "-CAfile", stand.caFile, "-purpose", "any",
                                  "-out", "/dev/null"])

            #expect(stand.endpoints.scheme == "https")
            let reply = try await stand.exchange(apiKey: stand.apiKey, signature: try await StandHarness.base64url(der))
            #expect(reply.status == 200, "\(reply.exitCode) \(reply.stderr) \(reply.text)")
            #expect(reply.json?["accessTkn"] is String)

            // Padding kept and percent-encoded, as some clients send it, is accepted too.
            let padded = der.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "%3D")
            let paddedReply = try await stand.exchange(apiKey: stand.apiKey, signature: padded)
            #expect(paddedReply.status == 200, "\(paddedReply.text)")
        }
    }

    @Test("each malformed signature is refused with its ESIA error")
    func malformedSignaturesRefused() async throws {
        try await StandHarness.with { stand in
            func expectRefusal(_ reply: Curl.Reply, status: Int, code: String, mentioning fragment: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(reply.status == status, "\(reply.text)", sourceLocation: sourceLocation)
                #expect(reply.json?["code"] as? String == code, "\(reply.text)", sourceLocation: sourceLocation)
                #expect((reply.json?["message"] as? String)?.contains(fragment) == true, "\(reply.text)",
                        sourceLocation: sourceLocation)
                // Neither the API-KEY nor the signature is echoed back.
                #expect(!reply.text.contains(stand.apiKey), sourceLocation: sourceLocation)
            }

            // Signed over other content (the second API-KEY) but sent with the first.
            let otherContent = try await StandHarness.base64url(try stand.opensslSignature(over: stand.secondAPIKey))
            expectRefusal(try await stand.exchange(apiKey: stand.apiKey, signature: otherContent),
                          status: 400, code: "ESIA-007053", mentioning: "not over this API-KEY")

            // A certificate openssl made on its own: valid signature, but not registered for the organisation.
            let stranger = try GOSTFixtures.selfSigned(in: stand.directory, name: "stranger",
                                                       subject: "/CN=Посторонний/O=Чужая организация")
            let unregistered = try await StandHarness.base64url(try stand.opensslSignature(
                over: stand.apiKey, certificate: stranger.certificatePath, key: stranger.keyPath))
            expectRefusal(try await stand.exchange(apiKey: stand.apiKey, signature: unregistered),
                          status: 403, code: "ESIA-007002", mentioning: "not registered")

            // Plain base64 characters and garbage are not base64url.
            expectRefusal(try await stand.exchange(apiKey: stand.apiKey, signature: "MIIB%2Babc%2Fdef"),
                          status: 400, code: "ESIA-007038", mentioning: "base64url")
            expectRefusal(try await stand.exchange(apiKey: stand.apiKey, signature: "%21%21%21"),
                          status: 400, code: "ESIA-007038", mentioning: "base64url")
            // Base64url that is not a CMS at all.
            expectRefusal(try await stand.exchange(apiKey: stand.apiKey, signature: try await StandHarness.base64url(Data("hello".utf8))),
                          status: 400, code: "ESIA-007003", mentioning: "signature")

            // One digit of the signed signingTime changed: located by openssl asn1parse, not by our parser.
            var der = try stand.opensslSignature(over: stand.apiKey)
            try der.write(to: URL(fileURLWithPath: stand.path("tamper.der")))
            let listing = try OpenSSLCLI.check(["asn1parse", "-inform", "DER", "-in", stand.path("tamper.der")]).stdoutText
                .components(separatedBy: "\n")
            let attribute = try #require(listing.firstIndex { $0.contains(":signingTime") })
            let timeLine = try #require(listing[attribute...].first { $0.contains("UTCTIME") })
            let fields = timeLine.split(separator: ":")[0].trimmingCharacters(in: .whitespaces)
            let offset = try #require(Int(fields))
            let headerLength = try #require(Int(timeLine.components(separatedBy: "hl=")[1].prefix { $0.isNumber }))
            let secondDigit = offset + headerLength + 11
            der[secondDigit] = der[secondDigit] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            expectRefusal(try await stand.exchange(apiKey: stand.apiKey, signature: try await StandHarness.base64url(der)),
                          status: 400, code: "ESIA-007053", mentioning: "does not verify")

            // Plain CMS without signingCertificateV2 is not CAdES-BES.
            let plain = try await StandHarness.base64url(try stand.opensslSignature(over: stand.apiKey, cades: false))
            expectRefusal(try await stand.exchange(apiKey: stand.apiKey, signature: plain),
                          status: 400, code: "ESIA-007053", mentioning: "signingCertificateV2")

            // Unknown key, missing signature.
            let good = try await StandHarness.base64url(try stand.opensslSignature(over: stand.apiKey))
            let unknownKey = UUID().uuidString.lowercased()
            let unknown = try await stand.exchange(apiKey: unknownKey, signature: good)
            #expect(unknown.status == 401 && unknown.json?["code"] as? String == "ESIA-008010", "\(unknown.text)")
            let missing = try await stand.curl([stand.esiaURL("/esia-rs/api/public/v1/orgs/ext-app/\(stand.apiKey)/tkn")])
            expectRefusal(missing, status: 400, code: "ESIA-007014", mentioning: "signature")
        }
    }

    @Test("a signingTime outside the tolerance is refused with ESIA-007015")
    func signingTimeTolerance() async throws {
        try await StandHarness.with { stand in
            let signature = try await StandHarness.base64url(try stand.opensslSignature(over: stand.apiKey))
            // openssl signs with the system clock; the stand's clock runs 10 minutes ahead.
            try await stand.advanceClock(seconds: 600)
            let reply = try await stand.exchange(apiKey: stand.apiKey, signature: signature)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.json?["code"] as? String == "ESIA-007015", "\(reply.text)")
            #expect((reply.json?["message"] as? String)?.contains("behind") == true, "\(reply.text)")
        }
    }

    @Test("ESIA down answers 503 ESIA-007008, a dropped connection gives curl an empty reply")
    func esiaDown() async throws {
        try await StandHarness.with { stand in
            let signature = try await StandHarness.base64url(try stand.opensslSignature(over: stand.apiKey))
            try await stand.setFaults(#"{"esiaDown": "unavailable"}"#)
            let down = try await stand.exchange(apiKey: stand.apiKey, signature: signature)
            #expect(down.status == 503 && down.json?["code"] as? String == "ESIA-007008", "\(down.text)")

            try await stand.setFaults(#"{"esiaDown": "drop"}"#)
            let dropped = try await stand.exchange(apiKey: stand.apiKey, signature: signature)
            #expect(dropped.status == 0 && dropped.exitCode == 52, "curl exit \(dropped.exitCode): \(dropped.stderr)")

            try await stand.setFaults("{}")
            let back = try await stand.exchange(apiKey: stand.apiKey, signature: signature)
            #expect(back.status == 200, "\(back.text)")
        }
    }
}

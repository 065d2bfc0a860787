import ESIA
import Foundation
import Stand
import Testing
import TestSupport

/// The stand's tokens verify with `JWTSignatureVerifier` against the file `gosgate-stand init`
/// writes for integrators, in both algorithms the stand can sign with.
@Suite("Stand tokens verify against the certificate init wrote")
struct StandTokenVerificationTests {
    @Test("a stand token verifies against the stand's verification file", arguments: ["GOST3410_2012_256", "RS256"])
    func standTokenVerifies(alg: String) async throws {
        try await StandHarness.with(tokenAlgorithm: alg) { stand in
            let token = try AccessToken(jwt: try await stand.obtainToken())
            #expect(token.algorithm == alg)
            let verificationFile = stand.path(stand.configuration.tokens.verificationFile)
            let key = try JWTSignatureVerifier(certificatePaths: [verificationFile]).verify(token)
            #expect(key.algorithm.rawValue == alg)

            // The stand's CA certificate (a GOST key that never signs tokens) does not vouch for them.
            let other = JWTSignatureVerifier(certificatePaths: [stand.caFile])
            #expect(throws: JWTVerificationError.self) { try other.verify(token) }
        }
    }
}

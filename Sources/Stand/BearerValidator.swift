import ESIA
import Foundation
import GOST

/// Decides whether an `Authorization` header carries a token EPGU would accept: issued by this
/// stand's ESIA (signature and `iss`), in its lifetime, not revoked by a fault, with the order scope.
struct BearerValidator: Sendable {
    let issuer: TokenIssuer
    let expectedIssuer: String
    let requiredScope: String
    let faults: FaultInjector

    /// The caller behind `authorization`, or the 401/403 EPGU answers.
    func validate(authorization: String?, now: Date) throws(EPGUFailure) -> EPGUCaller {
        guard let authorization, !authorization.isEmpty else {
            throw .unauthorized("no Authorization header; send Authorization: Bearer <ESIA access token>")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthorized("the Authorization header is not a Bearer token")
        }
        let jwt = parts[1].trimmingCharacters(in: .whitespaces)
        let token: AccessToken
        do {
            token = try AccessToken(jwt: jwt)
        } catch {
            throw .unauthorized("the bearer token is not an ESIA access token (\(error))")
        }
        let segments = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let signature = try? Base64URL.decode(String(segments[2])),
              issuer.verify(signature: signature, over: Data("\(segments[0]).\(segments[1])".utf8)) else {
            throw .unauthorized("the token was not issued by this environment's ESIA (signature does not verify)")
        }
        guard token.issuer == expectedIssuer else {
            throw .unauthorized("the token belongs to another environment (iss \(token.issuer ?? "missing"), expected \(expectedIssuer))")
        }
        guard token.expiresAt > now else {
            throw .unauthorized("the token expired at \(Self.format(token.expiresAt)); obtain a new one")
        }
        if let notBefore = token.notBefore, notBefore > now.addingTimeInterval(60) {
            throw .unauthorized("the token is not valid before \(Self.format(notBefore)); check the clock")
        }
        if let revokedBefore = faults.revokedBefore {
            let sessionID = Self.sessionID(of: segments[1])
            let issued = sessionID.flatMap(issuer.issueMoment(ofSession:)) ?? token.issuedAt ?? .distantPast
            if issued < revokedBefore {
                throw .unauthorized("the token was revoked (stand fault unauthorizedAfterCalls); obtain a new one")
            }
        }
        guard token.scopes.contains(where: { $0 == requiredScope || $0.hasPrefix(requiredScope + "?") }) else {
            throw .forbidden("access_denied_system", "the token lacks the scope \(requiredScope)")
        }
        guard let clientID = token.clientID, let subject = token.subjectOID, let userOID = Int64(subject) else {
            throw .unauthorized("the token has no client_id or urn:esia:sbj_id")
        }
        return EPGUCaller(clientID: clientID, userOID: userOID)
    }

    private static func sessionID(of payloadSegment: Substring) -> String? {
        guard let payload = try? Base64URL.decode(String(payloadSegment)),
              let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any] else { return nil }
        return object["urn:esia:sid"] as? String
    }

    private static func format(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

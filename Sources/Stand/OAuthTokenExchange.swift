import ESIA
import Foundation
import GOST

/// ESIA's OAuth v3 token endpoint, `POST /aas/oauth2/v3/te`, for the grants a gateway uses without a
/// browser: `client_credentials` (organisation and system scopes, `prm_chg` re-issue of a citizen
/// token) and `refresh_token` (research/esia-epgu-protocol.md §3.3).
///
/// `client_secret` is the raw GOST signature `s‖r` (base64url) over Streebog-256 of
/// `client_id + scope + scope_org + timestamp + state + redirect_uri`, checked against the system
/// certificate that `client_certificate_hash` names.
struct OAuthTokenExchange: Sendable {
    let registry: ESIARegistry
    let issuer: TokenIssuer
    let database: StandDatabase
    let settings: StandESIASettings
    let refreshLifetimeSeconds: Int

    /// The answer to a token request: the JSON body of a 200.
    func exchange(_ form: [String: String], now: Date) async throws(ESIAFailure) -> [String: Any] {
        let required = ["client_id", "client_secret", "client_certificate_hash", "grant_type", "state", "timestamp"]
        let missing = required.filter { (form[$0] ?? "").isEmpty }
        guard missing.isEmpty else { throw .missingParameters(missing) }
        let clientID = form["client_id"]!, state = form["state"]!, grant = form["grant_type"]!
        guard grant == "client_credentials" || grant == "refresh_token" else { throw .unsupportedGrant(grant) }
        guard UUID(uuidString: state) != nil else {
            throw .invalidParameter("state", "a UUID such as 6f1c4e2a-9a43-4c7e-8d2f-3b1a5c9e7d10 is expected")
        }
        try checkTimestamp(form["timestamp"]!, now: now)

        guard let system = registry.system(clientID) else {
            throw .unauthorizedClient("client_id \(clientID) is not a registered system")
        }
        let hash = form["client_certificate_hash"]!.uppercased()
        guard let certificate = system.certificates[hash] else {
            throw .certificateNotRegistered("no certificate with client_certificate_hash \(hash) is registered for system \(clientID) (the hash is Streebog-256 of the certificate's DER, not of the PEM text)")
        }
        let scope = form["scope"] ?? "", scopeOrg = form["scope_org"] ?? ""
        let signedString = OAuthClientSecret.signedString(clientID: clientID, scope: scope, scopeOrg: scopeOrg,
                                                          timestamp: form["timestamp"]!, state: state,
                                                          redirectURI: form["redirect_uri"] ?? "")
        try checkSecret(form["client_secret"]!, over: signedString, certificate: certificate, now: now)

        let claims: TokenClaims
        switch grant {
        case "refresh_token":
            claims = try await refreshedClaims(form["refresh_token"], clientID: clientID, now: now)
        default:
            claims = try credentialsClaims(scope: scope, system: system.system)
        }
        let token: IssuedToken
        do {
            token = try issuer.issue(claims, now: now)
        } catch {
            throw .internalError("\(error)")
        }
        var answer: [String: Any] = ["access_token": token.jwt, "expires_in": token.lifetimeSeconds, "state": state,
                                     "token_type": "Bearer"]
        if grant == "refresh_token" || form["access_type"] == "offline" {
            answer["refresh_token"] = try await newRefreshToken(for: claims, now: now)
        }
        return answer
    }

    private func checkTimestamp(_ text: String, now: Date) throws(ESIAFailure) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy.MM.dd HH:mm:ss Z"
        guard let moment = formatter.date(from: text) else {
            throw .wrongTime("timestamp \"\(text)\" is not in the format yyyy.MM.dd HH:mm:ss Z (e.g. 2025.09.02 13:00:29 +0300)")
        }
        let skew = moment.timeIntervalSince(now)
        guard abs(skew) <= TimeInterval(settings.timestampToleranceSeconds) else {
            throw .wrongTime("timestamp is \(Int(abs(skew).rounded())) s \(skew > 0 ? "ahead of" : "behind") ESIA's clock; at most \(settings.timestampToleranceSeconds) s allowed")
        }
    }

    private func checkSecret(_ secret: String, over signedString: String, certificate: GOSTCertificate,
                             now: Date) throws(ESIAFailure) {
        let signature: Data
        do {
            signature = try APIKeyExchange.decodeBase64URL(secret)
        } catch {
            throw .signatureWrong("client_secret is not base64url")
        }
        guard signature.count == 64 else {
            throw .signatureWrong("client_secret holds \(signature.count) bytes; the raw GOST R 34.10-2012-256 signature s‖r is 64 (a CMS/PKCS#7 secret is the v1 format)")
        }
        let valid: Bool
        do {
            valid = try certificate.publicKey.verify(signature: signature, message: Data(signedString.utf8))
        } catch {
            throw .signatureWrong("the registered certificate cannot verify: \(error)")
        }
        guard valid else {
            throw .signatureWrong("client_secret does not verify over client_id+scope+scope_org+timestamp+state+redirect_uri with the registered certificate (byte order must be s‖r as OpenSSL writes it)")
        }
        guard certificate.isValid(at: now) else {
            throw .signatureWrong("the registered certificate \(certificate.subject) is not active now")
        }
    }

    private func credentialsClaims(scope: String, system: StandSystem) throws(ESIAFailure) -> TokenClaims {
        let scopes = scope.split(separator: " ").map(String.init)
        guard !scopes.isEmpty else { throw .noScope }
        if let allowed = system.allowedScopes {
            for requested in scopes where !allowed.contains(where: { requested == $0 || requested.hasPrefix($0 + "?") }) {
                throw .scopeNotAllowed(requested)
            }
        }
        // prm_chg?oid=<OID> re-issues a citizen token from a consent: the token is that citizen's.
        let citizen = scopes.lazy.compactMap { Self.parameter("oid", in: $0, scopeName: "prm_chg") }.first
        let organisation = scopes.lazy.compactMap { Self.parameter("org_oid", in: $0, scopeName: nil) }.first
        return TokenClaims(clientID: system.clientID, subjectOID: citizen ?? system.subjectOID,
                           scopes: scopes, organisationOID: organisation)
    }

    private func refreshedClaims(_ refreshToken: String?, clientID: String, now: Date) async throws(ESIAFailure) -> TokenClaims {
        guard let refreshToken, !refreshToken.isEmpty else { throw .missingParameters(["refresh_token"]) }
        let grant: StandDatabase.RefreshGrant?
        do {
            grant = try await database.consumeRefreshToken(hash: try Self.hash(refreshToken), now: now)
        } catch let failure as ESIAFailure {
            throw failure
        } catch {
            throw .internalError("\(error)")
        }
        guard let grant, grant.clientID == clientID else {
            throw .grantInvalid("the refresh token is invalid, expired, already used or issued to another client")
        }
        return TokenClaims(clientID: grant.clientID, subjectOID: grant.subjectOID,
                           scopes: grant.scope.split(separator: " ").map(String.init), organisationOID: grant.organisationOID)
    }

    private func newRefreshToken(for claims: TokenClaims, now: Date) async throws(ESIAFailure) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let token = Base64URL.encode(Data(bytes))
        do {
            try await database.storeRefreshToken(
                hash: try Self.hash(token),
                grant: StandDatabase.RefreshGrant(clientID: claims.clientID, subjectOID: claims.subjectOID,
                                                  scope: claims.scopes.joined(separator: " "),
                                                  organisationOID: claims.organisationOID),
                expiresAt: now.addingTimeInterval(TimeInterval(refreshLifetimeSeconds)))
        } catch let failure as ESIAFailure {
            throw failure
        } catch {
            throw .internalError("\(error)")
        }
        return token
    }

    /// Refresh tokens are stored only as this hash.
    private static func hash(_ token: String) throws(ESIAFailure) -> String {
        do {
            return try Streebog.hash256(Data(token.utf8)).lowercaseHexString
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// The integer value of `name=` in a scope's query (`…?oid=123`), optionally only for scope `scopeName`.
    private static func parameter(_ name: String, in scope: String, scopeName: String?) -> Int64? {
        guard let question = scope.firstIndex(of: "?") else { return nil }
        if let scopeName, scope[..<question] != scopeName { return nil }
        for pair in scope[scope.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name, let value = Int64(parts[1]) { return value }
        }
        return nil
    }
}

import Foundation
import GOST

/// ESIA OAuth v3 token endpoint (`POST {esia}/aas/oauth2/v3/te`, research/esia-epgu-protocol.md §3.3)
/// with a raw-signature `client_secret`: `client_credentials` for system/organisation scopes and for
/// re-issuing a citizen token from a consent (`prm_chg?oid=…`), then `refresh_token` while ESIA
/// hands one out.
public actor OAuthTokenSource: AccessTokenSource {
    private let clientID: String
    private let scope: String
    private let scopeOrg: String
    private let redirectURI: String
    private let esia: URL
    private let signer: @Sendable () async throws -> any DigestSigner
    private let transport: any ESIATransport
    private let classifySignerError: @Sendable (any Error) -> TokenUnavailable
    private let tokenVerifier: JWTSignatureVerifier?
    private let now: @Sendable () -> Date
    private var refreshToken: String?

    /// - Parameter tokenVerifier: when set, every token must verify against the environment's ESIA certificates.
    public init(clientID: String, scope: String, scopeOrg: String = "", redirectURI: String = "", esia: URL,
                signer: @escaping @Sendable () async throws -> any DigestSigner, transport: any ESIATransport,
                classifySignerError: @escaping @Sendable (any Error) -> TokenUnavailable = { .signerFailed("\($0)") },
                tokenVerifier: JWTSignatureVerifier? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.clientID = clientID
        self.scope = scope
        self.scopeOrg = scopeOrg
        self.redirectURI = redirectURI
        self.esia = esia
        self.signer = signer
        self.transport = transport
        self.classifySignerError = classifySignerError
        self.tokenVerifier = tokenVerifier
        self.now = now
    }

    /// A source that always signs with `signer`.
    public init(clientID: String, scope: String, scopeOrg: String = "", redirectURI: String = "", esia: URL,
                signer: any DigestSigner, transport: any ESIATransport,
                classifySignerError: @escaping @Sendable (any Error) -> TokenUnavailable = { .signerFailed("\($0)") },
                tokenVerifier: JWTSignatureVerifier? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(clientID: clientID, scope: scope, scopeOrg: scopeOrg, redirectURI: redirectURI, esia: esia,
                  signer: { signer }, transport: transport, classifySignerError: classifySignerError,
                  tokenVerifier: tokenVerifier, now: now)
    }

    public func obtainToken() async throws(TokenUnavailable) -> AccessToken {
        let state = UUID().uuidString.lowercased()
        let timestamp = ESIATimestamp.string(from: now())
        let signedString = OAuthClientSecret.signedString(clientID: clientID, scope: scope, scopeOrg: scopeOrg,
                                                          timestamp: timestamp, state: state, redirectURI: redirectURI)
        let secret: OAuthClientSecret
        do {
            secret = try await OAuthClientSecret.make(signedString: signedString, signer: try await signer())
        } catch {
            throw classifySignerError(error)
        }
        var form: [(String, String)] = [
            ("client_id", clientID), ("client_secret", secret.clientSecret),
            ("client_certificate_hash", secret.clientCertificateHash), ("scope", scope),
            ("state", state), ("timestamp", timestamp), ("token_type", "Bearer"),
        ]
        if !scopeOrg.isEmpty { form.append(("scope_org", scopeOrg)) }
        if !redirectURI.isEmpty { form.append(("redirect_uri", redirectURI)) }
        if let refreshToken {
            form += [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        } else {
            form.append(("grant_type", "client_credentials"))
        }
        var origin = esia.absoluteString
        while origin.hasSuffix("/") { origin.removeLast() }
        guard let url = URL(string: "\(origin)/aas/oauth2/v3/te") else {
            throw .esiaRefused(code: "esia_bad_origin", message: "the ESIA origin \(esia) does not form a URL")
        }
        let request = ESIARequest(method: "POST", url: url,
                                  headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                  body: Data(Self.formEncode(form).utf8))
        let response: ESIAResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw TokenUnavailable(error)
        }
        if response.status != 200 {
            // A refused refresh token is not the end: the next attempt starts over with client_credentials.
            if refreshToken != nil, response.status == 400 { refreshToken = nil }
            if let clock = ClockGuard.problem(serverDate: response.header("Date"), localNow: now()) { throw clock }
            throw TokenUnavailable(.refused(ESIARefusal(httpStatus: response.status,
                                                        esiaCode: ESIAErrorCatalog.code(in: response.body))))
        }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let accessToken = object["access_token"] as? String else {
            throw .esiaUnreachable("ESIA answered 200 without access_token")
        }
        guard object["state"] as? String == state else {
            throw .esiaRefused(code: "esia_state_mismatch",
                               message: "ESIA's answer carries a different state than the request; refusing the token")
        }
        refreshToken = object["refresh_token"] as? String
        let token: AccessToken
        do {
            token = try AccessToken(jwt: accessToken)
        } catch {
            throw TokenUnavailable(error)
        }
        do throws(TokenUnavailable) {
            try tokenVerifier?.acquisitionCheck(token)
        } catch {
            // A refresh token from an answer whose access token does not verify is not trusted either.
            refreshToken = nil
            throw error
        }
        return token
    }

    /// `application/x-www-form-urlencoded` as ESIA expects: unreserved characters kept, the rest
    /// percent-encoded (including `+`, `/` and `=`, which break signatures when left raw).
    static func formEncode(_ pairs: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return pairs.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}

import Foundation
import GOST

/// The API-KEY exchange (research/esia-epgu-protocol.md §2): sign the UTF-8 API-KEY as a detached
/// CAdES-BES, then `GET {esia}/esia-rs/api/public/v1/orgs/ext-app/{API_KEY}/tkn?signature=…`.
public struct APIKeyTokenSource: AccessTokenSource {
    private let apiKey: String
    private let esia: URL
    private let signer: @Sendable () async throws -> any DigestSigner
    private let transport: any ESIATransport
    private let classifySignerError: @Sendable (any Error) -> TokenUnavailable
    private let tokenVerifier: JWTSignatureVerifier?
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - esia: the environment's ESIA origin, e.g. `https://esia-portal1.test.gosuslugi.ru`.
    ///   - classifySignerError: turns the signer's errors (card absent, PIN needed...) into reasons.
    ///   - signer: hands out the signer when a token is needed (a hardware token may be opened, or
    ///     reopened after removal, only then); its errors go through `classifySignerError`.
    ///   - tokenVerifier: when set, every token must verify against the environment's ESIA certificates.
    public init(apiKey: String, esia: URL, signer: @escaping @Sendable () async throws -> any DigestSigner,
                transport: any ESIATransport,
                classifySignerError: @escaping @Sendable (any Error) -> TokenUnavailable = { .signerFailed("\($0)") },
                tokenVerifier: JWTSignatureVerifier? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.apiKey = apiKey
        self.esia = esia
        self.signer = signer
        self.transport = transport
        self.classifySignerError = classifySignerError
        self.tokenVerifier = tokenVerifier
        self.now = now
    }

    public func obtainToken() async throws(TokenUnavailable) -> AccessToken {
        let signature: Data
        do {
            signature = try await CAdESBuilder.sign(content: Data(apiKey.utf8), signer: try await signer(), signingTime: now())
        } catch {
            throw classifySignerError(error)
        }
        let request: ESIARequest
        do {
            request = ESIARequest(method: "GET", url: try Self.url(esia: esia, apiKey: apiKey, signature: signature),
                                  headers: [("Accept", "application/json")])
        } catch {
            throw TokenUnavailable(error)
        }
        let response: ESIAResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw TokenUnavailable(error)
        }
        if response.status != 200, let clock = ClockGuard.problem(serverDate: response.header("Date"), localNow: now()) {
            throw clock
        }
        let token: AccessToken
        do {
            token = try Self.token(from: response)
        } catch {
            throw TokenUnavailable(error)
        }
        try tokenVerifier?.acquisitionCheck(token)
        return token
    }

    /// A source that always signs with `signer`.
    public init(apiKey: String, esia: URL, signer: any DigestSigner, transport: any ESIATransport,
                classifySignerError: @escaping @Sendable (any Error) -> TokenUnavailable = { .signerFailed("\($0)") },
                tokenVerifier: JWTSignatureVerifier? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(apiKey: apiKey, esia: esia, signer: { signer }, transport: transport,
                  classifySignerError: classifySignerError, tokenVerifier: tokenVerifier, now: now)
    }

    /// The exchange URL. The API-KEY goes into the path verbatim (a UUID is URL-safe; anything else
    /// is percent-encoded), the signature as unpadded base64url. Never log this URL: it holds both.
    public static func url(esia: URL, apiKey: String, signature: Data) throws(ESIAError) -> URL {
        guard !apiKey.isEmpty,
              let key = apiKey.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) else {
            throw .invalidRequest("the API-KEY is empty or not encodable")
        }
        var origin = esia.absoluteString
        while origin.hasSuffix("/") { origin.removeLast() }
        let text = "\(origin)/esia-rs/api/public/v1/orgs/ext-app/\(key)/tkn?signature=\(Base64URL.encode(signature))"
        guard let url = URL(string: text) else { throw .invalidRequest("cannot form the exchange URL") }
        return url
    }

    /// Reads `{"accessTkn": "<JWT>"}` from a 200, or maps the error answer.
    static func token(from response: ESIAResponse) throws(ESIAError) -> AccessToken {
        guard response.status == 200 else {
            throw .refused(ESIARefusal(httpStatus: response.status, esiaCode: ESIAErrorCatalog.code(in: response.body)))
        }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let jwt = object["accessTkn"] as? String else {
            throw .unexpectedResponse("HTTP 200 without an accessTkn field")
        }
        return try AccessToken(jwt: jwt)
    }
}

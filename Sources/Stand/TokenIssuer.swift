import Foundation
import GOST
import Synchronization

/// Issues and checks the stand's access tokens: JWTs shaped like ESIA's
/// (research/esia-epgu-protocol.md §5), signed GOST3410_2012_256 (Streebog-256 over ASCII
/// `header.payload`, signature `s‖r` base64url) or RS256.
final class TokenIssuer: Sendable {
    /// The key that signs.
    enum SigningKey: Sendable {
        case gost(GOSTPrivateKey)
        case rsa(RSATokenKey)
    }

    private let key: SigningKey
    private let issuer: String
    private let lifetime: TimeInterval
    /// Exact issue moments by session id, so a revocation can tell tokens issued in the same second apart.
    private let issued = Mutex<[String: (issuedAt: Date, expiresAt: Date)]>([:])

    /// The JWT `alg` this issuer writes.
    let algorithm: String

    init(key: SigningKey, issuer: String, lifetimeSeconds: Int) {
        self.key = key
        self.issuer = issuer
        self.lifetime = TimeInterval(lifetimeSeconds)
        switch key {
        case .gost: algorithm = StandTokenSettings.gostAlgorithm
        case .rsa: algorithm = StandTokenSettings.rsaAlgorithm
        }
    }

    /// Loads the key named by `settings`.
    convenience init(settings: StandTokenSettings, issuer: String, resolve: (String) -> String) throws(StandError) {
        let path = resolve(settings.signingKeyFile)
        let key: SigningKey
        switch settings.algorithm {
        case StandTokenSettings.gostAlgorithm:
            do {
                key = .gost(try GOSTPrivateKey(contentsOfFile: path))
            } catch {
                throw .keyMaterial("token signing key: \(error)")
            }
        case StandTokenSettings.rsaAlgorithm:
            do {
                try GOSTEngine.ensureLoaded()
            } catch {
                throw .keyMaterial("\(error)")
            }
            key = .rsa(try RSATokenKey(contentsOfFile: path))
        default:
            throw .configuration("tokens.algorithm is \(settings.algorithm); use \(StandTokenSettings.gostAlgorithm) or \(StandTokenSettings.rsaAlgorithm)")
        }
        self.init(key: key, issuer: issuer, lifetimeSeconds: settings.lifetimeSeconds)
    }

    /// Issues a token for `claims`, valid from `now` for the configured lifetime.
    func issue(_ claims: TokenClaims, now: Date) throws(StandError) -> IssuedToken {
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let expiresAt = issuedAt.addingTimeInterval(lifetime)
        let sessionID = UUID().uuidString.lowercased()
        let header = #"{"ver":1,"typ":"JWT","sbt":"access","alg":"\#(algorithm)"}"#
        // Claim order as in the samples ESIA issued (nbf first, client_id last).
        var members = [
            ("nbf", "\(Int64(issuedAt.timeIntervalSince1970))"),
            ("scope", Self.jsonString(claims.scopes.joined(separator: " "))),
            ("iss", Self.jsonString(issuer)),
            ("urn:esia:sid", Self.jsonString(sessionID)),
            ("urn:esia:sbj_id", "\(claims.subjectOID)"),
            ("exp", "\(Int64(expiresAt.timeIntervalSince1970))"),
            ("iat", "\(Int64(issuedAt.timeIntervalSince1970))"),
            ("client_id", Self.jsonString(claims.clientID)),
        ]
        if let organisation = claims.organisationOID { members.append(("org_oid", "\(organisation)")) }
        let payload = "{" + members.map { "\(Self.jsonString($0.0)):\($0.1)" }.joined(separator: ",") + "}"
        let signingInput = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(Data(payload.utf8))
        let signature = try sign(Data(signingInput.utf8))
        issued.withLock { table in
            table = table.filter { $0.value.expiresAt > now }
            table[sessionID] = (now, expiresAt)
        }
        return IssuedToken(jwt: signingInput + "." + Base64URL.encode(signature), issuedAt: issuedAt, expiresAt: expiresAt)
    }

    /// Whether `signature` over `signingInput` (ASCII `header.payload`) was made by this issuer's key.
    func verify(signature: Data, over signingInput: Data) -> Bool {
        switch key {
        case .gost(let privateKey):
            return (try? privateKey.publicKey.verify(signature: signature, message: signingInput)) ?? false
        case .rsa(let rsa):
            return rsa.verify(signature, over: signingInput)
        }
    }

    /// The precise moment the token with `sessionID` was issued, if this process issued it.
    func issueMoment(ofSession sessionID: String) -> Date? {
        issued.withLock { $0[sessionID]?.issuedAt }
    }

    private func sign(_ message: Data) throws(StandError) -> Data {
        switch key {
        case .gost(let privateKey):
            do {
                return try privateKey.sign(message: message)
            } catch {
                throw .keyMaterial("cannot sign a token: \(error)")
            }
        case .rsa(let rsa):
            return try rsa.sign(message)
        }
    }

    /// A JSON string literal for `text`.
    static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? String(decoding: encoder.encode(text), as: UTF8.self)) ?? "\"\""
    }
}

import Foundation
import GOST

/// An ESIA access token (a JWT) with the claims the gateway needs, read without trusting them.
///
/// The raw token is a bearer secret: `description` never shows it, and only `bearerValue` hands it
/// out, for the one place that builds the upstream `Authorization` header.
public struct AccessToken: Sendable, Equatable, CustomStringConvertible {
    /// The JWT header's `alg` (`RS256`, `GOST3410_2012_256`...).
    public let algorithm: String
    /// `exp`: after this instant the token must never be used.
    public let expiresAt: Date
    /// `iat`, when present.
    public let issuedAt: Date?
    /// `nbf`, when present.
    public let notBefore: Date?
    /// `iss`, e.g. `http://esia-portal1.test.gosuslugi.ru/`.
    public let issuer: String?
    /// `client_id`: the information system's mnemonic.
    public let clientID: String?
    /// `urn:esia:sbj_id`: the subject's OID.
    public let subjectOID: String?
    /// `scope`, split on spaces.
    public let scopes: [String]
    /// The exact text of the JWT.
    private let raw: String

    /// The value for `Authorization: Bearer …`.
    public var bearerValue: String { raw }

    /// The signing input (`header.payload`) and decoded signature, for `JWTSignatureVerifier`.
    var signedPart: (input: Data, signature: Data)? {
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = try? Base64URL.decode(String(parts[2])) else { return nil }
        return (Data("\(parts[0]).\(parts[1])".utf8), signature)
    }

    /// Parses a compact JWS; rejects anything that is not three base64url parts with JSON inside and an `exp`.
    public init(jwt: String) throws(ESIAError) {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .malformedToken("expected a JWT of three dot-separated parts, got \(parts.count)")
        }
        guard let headerData = try? Base64URL.decode(String(parts[0])),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw .malformedToken("the JWT header is not base64url JSON")
        }
        guard let payloadData = try? Base64URL.decode(String(parts[1])),
              let payload = try? JSONSerialization.jsonObject(with: payloadData) as? [String: Any] else {
            throw .malformedToken("the JWT payload is not base64url JSON")
        }
        guard let algorithm = header["alg"] as? String, algorithm.lowercased() != "none" else {
            throw .malformedToken("the JWT header has no signature algorithm")
        }
        guard let exp = Self.number(payload["exp"]) else {
            throw .malformedToken("the JWT has no exp claim, so its lifetime is unknown")
        }
        self.algorithm = algorithm
        self.expiresAt = Date(timeIntervalSince1970: exp)
        self.issuedAt = Self.number(payload["iat"]).map(Date.init(timeIntervalSince1970:))
        self.notBefore = Self.number(payload["nbf"]).map(Date.init(timeIntervalSince1970:))
        self.issuer = payload["iss"] as? String
        self.clientID = payload["client_id"] as? String
        if let oid = payload["urn:esia:sbj_id"] {
            self.subjectOID = (oid as? String) ?? Self.number(oid).map { String(Int64($0)) }
        } else {
            self.subjectOID = nil
        }
        self.scopes = (payload["scope"] as? String)?.split(separator: " ").map(String.init) ?? []
        self.raw = jwt
    }

    public var description: String {
        "AccessToken(alg: \(algorithm), client_id: \(clientID ?? "-"), expires: \(expiresAt), token: <redacted>)"
    }

    private static func number(_ value: Any?) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        if let text = value as? String { return Double(text) }
        return nil
    }
}

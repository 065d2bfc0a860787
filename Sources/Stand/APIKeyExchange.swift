import Foundation
import GOST

/// The ESIA "ext-app" method (МР ЕСИА Б.12 as clients use it, research/esia-epgu-protocol.md §2):
/// `GET /esia-rs/api/public/v1/orgs/ext-app/{API_KEY}/tkn?signature=…` exchanges an API-KEY and a
/// detached CAdES-BES signature over its UTF-8 bytes for an access token.
struct APIKeyExchange: Sendable {
    let registry: ESIARegistry
    let issuer: TokenIssuer
    let settings: StandESIASettings
    let requiredScope: String

    /// Checks everything ESIA checks, in the order a client can fix them, and issues a token.
    ///
    /// - Parameters:
    ///   - apiKey: the path segment, percent-decoded.
    ///   - signature: the `signature` query value, percent-decoded (base64url, padding optional).
    func exchange(apiKey: String, signature: String?, now: Date) throws(ESIAFailure) -> IssuedToken {
        guard let signature, !signature.isEmpty else { throw .missingParameters(["signature"]) }
        guard let binding = registry.binding(forAPIKey: apiKey) else { throw .unknownAPIKey }
        let der: Data
        do {
            der = try Self.decodeBase64URL(signature)
        } catch {
            throw .unreadable("signature is not base64url (RFC 4648 §5: A–Z a–z 0–9 - _, padding optional)")
        }

        let verification: CAdESVerification
        do {
            verification = try CAdESVerifier.verify(signature: der, content: Data(apiKey.utf8), at: now,
                                                    profile: settings.requireCAdESBES ? .cadesBES : .cms)
        } catch {
            throw Self.failure(for: error)
        }

        let certificate = verification.signerCertificate
        guard binding.certificateHashes.contains(certificate.clientCertificateHash) else {
            throw .certificateNotRegistered("the signer certificate (\(certificate.subject), client_certificate_hash \(certificate.clientCertificateHash)) is not registered for organisation \(binding.organisation.name)")
        }
        if let signingTime = verification.signingTime {
            let skew = signingTime.timeIntervalSince(now)
            guard abs(skew) <= TimeInterval(settings.signingTimeToleranceSeconds) else {
                let direction = skew > 0 ? "ahead of" : "behind"
                throw .wrongTime("signingTime is \(Int(abs(skew).rounded())) s \(direction) ESIA's clock; at most \(settings.signingTimeToleranceSeconds) s allowed; synchronise the clock and sign again")
            }
        }

        let claims = TokenClaims(
            clientID: binding.apiKey.clientID, subjectOID: binding.apiKey.userOID,
            scopes: [requiredScope, "http://esia.gosuslugi.ru/org_ogrn?org_oid=\(binding.organisation.oid)"],
            organisationOID: binding.organisation.oid)
        do {
            return try issuer.issue(claims, now: now)
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// Strict base64url: the URL alphabet only (a `+` or `/` means the client sent plain base64, which
    /// breaks in URLs), padding optional and possibly percent-encoded.
    static func decodeBase64URL(_ text: String) throws(GOSTError) -> Data {
        let unpadded = text.replacingOccurrences(of: "%3D", with: "=").replacingOccurrences(of: "%3d", with: "=")
        let body = unpadded.prefix { $0 != "=" }
        let padding = unpadded.dropFirst(body.count)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        guard !body.isEmpty, body.allSatisfy({ alphabet.contains($0) }), padding.allSatisfy({ $0 == "=" }),
              padding.count <= 2 else {
            throw .malformedInput("not base64url")
        }
        return try Base64URL.decode(String(body))
    }

    /// Maps a verifier failure to the ESIA answer for it.
    static func failure(for error: GOSTError) -> ESIAFailure {
        guard case .verificationFailed(let failure) = error else {
            return .invalidParameter("signature", "not a detached CMS SignedData (\(error))")
        }
        switch failure {
        case .contentDigestMismatch:
            return .signatureWrong("the signature is not over this API-KEY (messageDigest differs from Streebog-256 of the key's UTF-8 bytes)")
        case .signatureInvalid:
            return .signatureWrong("the signature does not verify with the embedded certificate (signed attributes altered, or wrong key)")
        case .signingCertificateMismatch:
            return .signatureWrong("signingCertificateV2 does not name the embedded signer certificate")
        case .signingCertificateMissing:
            return .signatureWrong("CAdES-BES required: the signed attributes carry no signingCertificateV2 (plain CMS)")
        case .signedAttributeInvalid(let name):
            return .signatureWrong("CAdES-BES required: signed attribute \(name) is missing or malformed")
        case .certificateNotValid(let why), .certificateNotValidAtSigningTime(let why):
            return .signatureWrong("the signer certificate is not active: \(why)")
        case .signerCertificateMissing:
            return .invalidParameter("signature", "no signer certificate embedded; embed the signer certificate")
        case .structureInvalid(let why):
            return .invalidParameter("signature", why)
        case .unsupportedAlgorithm(let why):
            return .invalidParameter("signature", "GOST R 34.10-2012-256 with Streebog-256 expected: \(why)")
        }
    }
}

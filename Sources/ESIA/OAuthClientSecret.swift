import Foundation
import GOST

/// The signed `client_secret` of ESIA OAuth v2/v3 (research/esia-epgu-protocol.md §3.3): the raw
/// 64-byte GOST R 34.10-2012-256 signature `s‖r` over Streebog-256 of the UTF-8 concatenation
/// `client_id + scope + scope_org + timestamp + state + redirect_uri [+ code]`, as base64url.
public struct OAuthClientSecret: Sendable, Equatable {
    /// The exact string that was signed (for diagnostics: it holds no secret).
    public let signedString: String
    /// base64url (no padding) of `s‖r`.
    public let clientSecret: String
    /// Uppercase hex Streebog-256 of the signer certificate's DER.
    public let clientCertificateHash: String

    /// The concatenation ESIA verifies, in its documented order; empty parts contribute nothing.
    public static func signedString(clientID: String, scope: String, scopeOrg: String, timestamp: String,
                                    state: String, redirectURI: String, code: String? = nil) -> String {
        clientID + scope + scopeOrg + timestamp + state + redirectURI + (code ?? "")
    }

    /// Signs `signedString` with `signer`.
    public static func make(signedString: String, signer: any DigestSigner) async throws -> OAuthClientSecret {
        let signature = try await RawSignature.sign(message: Data(signedString.utf8), signer: signer)
        guard signature.count == 64 else {
            throw ESIAError.invalidRequest("ESIA OAuth needs a 256-bit key; the signer returned \(signature.count) bytes")
        }
        return OAuthClientSecret(signedString: signedString, clientSecret: Base64URL.encode(signature),
                                 clientCertificateHash: signer.certificate.clientCertificateHash)
    }
}

import Foundation

/// Why a token could not be obtained from ESIA, with a stable machine code and a fix for a person.
public enum ESIAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// ESIA answered with an error (HTTP status, ESIA code if any).
    case refused(ESIARefusal)
    /// ESIA could not be reached or answered garbage at the transport level.
    case unreachable(String)
    /// ESIA's answer was not the documented shape.
    case unexpectedResponse(String)
    /// A token that is not a readable JWT.
    case malformedToken(String)
    /// The token's signature did not verify with the configured ESIA certificates.
    case tokenSignatureInvalid(String)
    /// The signer (token, card, key) failed; the message comes from the Token module.
    case signerFailed(String)
    /// The local clock is unusable for ESIA (not synchronised, or skewed).
    case clockUnusable(String)
    /// Something in the request we would send is invalid (configuration, identity).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .refused(let refusal): return refusal.description
        case .unreachable(let why): return "ESIA is unreachable: \(why); the gateway retries with backoff"
        case .unexpectedResponse(let why): return "ESIA answered in an unexpected way: \(why)"
        case .malformedToken(let why): return "ESIA returned an unreadable token: \(why)"
        case .tokenSignatureInvalid(let why):
            return "ESIA token signature invalid: \(why); check the configured ESIA certificates and the environment"
        case .signerFailed(let why): return "signing for ESIA failed: \(why)"
        case .clockUnusable(let why): return "system clock unusable for ESIA: \(why)"
        case .invalidRequest(let why): return "cannot build the ESIA request: \(why)"
        }
    }

    /// Whether retrying later without a person's help can succeed.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .unexpectedResponse: return true
        case .refused(let refusal): return refusal.isTransient
        case .malformedToken, .tokenSignatureInvalid, .signerFailed, .clockUnusable, .invalidRequest: return false
        }
    }
}

/// An error answer from ESIA, mapped to a stable code and an instruction.
public struct ESIARefusal: Sendable, Equatable, CustomStringConvertible {
    /// HTTP status of ESIA's answer.
    public let httpStatus: Int
    /// `ESIA-007053` and the like, when ESIA named one.
    public let esiaCode: String?
    /// Stable gosgate code (`esia_certificate_mismatch`, `esia_clock_skew`...).
    public let code: String
    /// What it means and what to do.
    public let advice: String

    public init(httpStatus: Int, esiaCode: String?) {
        self.httpStatus = httpStatus
        self.esiaCode = esiaCode
        let entry = esiaCode.flatMap { ESIAErrorCatalog.entries[$0] } ?? ESIAErrorCatalog.byStatus(httpStatus)
        self.code = entry.code
        self.advice = entry.advice
    }

    /// ESIA overload and internal errors clear by themselves; everything else needs a person.
    public var isTransient: Bool { httpStatus >= 500 || code == "esia_unavailable" || httpStatus == 429 }

    public var description: String {
        "ESIA refused (HTTP \(httpStatus)\(esiaCode.map { ", \($0)" } ?? "")): \(advice)"
    }
}

/// ESIA error codes (research/esia-epgu-protocol.md §3.5) and what an operator should do about each.
enum ESIAErrorCatalog {
    struct Entry: Sendable {
        let code: String
        let advice: String
    }

    static let entries: [String: Entry] = [
        "ESIA-007002": Entry(code: "esia_certificate_mismatch", advice:
            "the signing certificate is not the one registered for this system; upload it on the ESIA technological portal or use the registered one"),
        "ESIA-007003": Entry(code: "esia_bad_parameter", advice:
            "a request parameter is missing, invalid or repeated; check the identity's settings"),
        "ESIA-007004": Entry(code: "esia_access_denied", advice: "the resource owner or ESIA denied the request"),
        "ESIA-007005": Entry(code: "esia_unauthorized_client", advice:
            "this system may not obtain tokens this way: the flow or scope is not approved, or no certificate is bound to the mnemonic"),
        "ESIA-007006": Entry(code: "esia_bad_scope", advice: "a requested scope is unknown or not allowed; check the identity's scopes"),
        "ESIA-007007": Entry(code: "esia_unavailable", advice: "ESIA had an internal error; retrying later"),
        "ESIA-007008": Entry(code: "esia_unavailable", advice: "ESIA is overloaded or under maintenance; retrying later"),
        "ESIA-007009": Entry(code: "esia_bad_grant", advice: "ESIA does not support this grant type for the system"),
        "ESIA-007011": Entry(code: "esia_grant_invalid", advice:
            "the code or refresh token is invalid, expired, revoked or belongs to another client; obtain a new consent"),
        "ESIA-007013": Entry(code: "esia_bad_scope", advice: "no scope was requested; set the identity's scopes"),
        "ESIA-007014": Entry(code: "esia_bad_parameter", advice:
            "a mandatory parameter is missing (ESIA lists it in brackets); often client_certificate_hash or state"),
        "ESIA-007015": Entry(code: "esia_clock_skew", advice:
            "ESIA rejected the request time; synchronise the clock (chrony/NTP) and check the time zone"),
        "ESIA-007019": Entry(code: "esia_no_permission", advice: "the system has no permission for this; request it from ESIA"),
        "ESIA-007023": Entry(code: "esia_redirect_uri", advice: "redirect_uri is not registered for the system on the technological portal"),
        "ESIA-007038": Entry(code: "esia_bad_parameter", advice: "ESIA could not read the request parameters; check the encoding"),
        "ESIA-007053": Entry(code: "esia_client_secret_wrong", advice:
            "the signature does not match the registered certificate: check the certificate, client_certificate_hash (Streebog-256 of the DER, uppercase) and that the card holds the matching key"),
        "ESIA-007055": Entry(code: "esia_account_unconfirmed", advice: "the account is not confirmed"),
        "ESIA-007194": Entry(code: "esia_not_employee", advice: "the user is not an employee of the organisation named in the scope"),
        "ESIA-008010": Entry(code: "esia_system_auth_failed", advice:
            "ESIA could not authenticate the system: check the API-KEY, the certificate and that they belong to the same organisation"),
    ]

    static func byStatus(_ status: Int) -> Entry {
        switch status {
        case 400: return Entry(code: "esia_bad_request", advice: "ESIA rejected the request as malformed; check the identity and the signature format")
        case 401, 403: return Entry(code: "esia_forbidden", advice:
            "ESIA refused the credentials: check the API-KEY is active in ЛК ИЭП and the signing certificate belongs to that organisation")
        case 404: return Entry(code: "esia_not_found", advice: "ESIA does not know this API-KEY or endpoint; check the key and the environment")
        case 429: return Entry(code: "esia_rate_limited", advice: "ESIA is rate-limiting this system; retrying later")
        case 500...599: return Entry(code: "esia_unavailable", advice: "ESIA is failing (HTTP \(status)); retrying later")
        default: return Entry(code: "esia_refused", advice: "ESIA answered HTTP \(status)")
        }
    }

    /// Finds an `ESIA-NNNNNN` code anywhere in an error body (JSON `code`, `error_description`, or text).
    static func code(in body: Data) -> String? {
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        guard let range = text.range(of: #"ESIA-\d{6}"#, options: .regularExpression) else { return nil }
        return String(text[range])
    }
}

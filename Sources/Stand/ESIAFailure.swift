/// An error answer of the emulated ESIA: an HTTP status, an `ESIA-0070xx` code and a message.
///
/// The REST methods (API-KEY exchange) answer `{"code": …, "message": …}`, the way other ESIA REST
/// services do; the OAuth token endpoint answers `{"error": …, "error_description": "ESIA-…: …",
/// "state": …}` (research/esia-epgu-protocol.md §2.4, §3.3). Messages never contain the API-KEY, the
/// signature or a token.
struct ESIAFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP status of the answer.
    let status: Int
    /// `ESIA-007053` and the like.
    let code: String
    /// What is wrong, for a person.
    let message: String
    /// The OAuth `error` value (`invalid_request`, `invalid_client`...).
    let oauthError: String

    var description: String { "\(code): \(message)" }

    /// A mandatory parameter is missing (ESIA-007014 lists the names in brackets).
    static func missingParameters(_ names: [String]) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007014", message: "mandatory parameter missing [\(names.joined(separator: ", "))]",
                    oauthError: "invalid_request")
    }

    /// A parameter is present but unusable.
    static func invalidParameter(_ name: String, _ why: String) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007003", message: "invalid parameter [\(name)]: \(why)", oauthError: "invalid_request")
    }

    /// The request could not be read at all (bad encoding).
    static func unreadable(_ why: String) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007038", message: "cannot read the request parameters: \(why)", oauthError: "invalid_request")
    }

    /// The API-KEY is unknown or revoked.
    static let unknownAPIKey = ESIAFailure(status: 401, code: "ESIA-008010",
        message: "client system authentication failed: the API-KEY is unknown or revoked", oauthError: "invalid_client")

    /// The signature or client secret does not verify, or does not cover what it must.
    static func signatureWrong(_ why: String) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007053", message: "OAuthErrorEnum.clientSecretWrong: \(why)", oauthError: "invalid_client")
    }

    /// The certificate is not registered for the organisation or system.
    static func certificateNotRegistered(_ why: String) -> ESIAFailure {
        ESIAFailure(status: 403, code: "ESIA-007002", message: why, oauthError: "invalid_client")
    }

    /// The request time is off.
    static func wrongTime(_ why: String) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007015", message: "wrong request time: \(why)", oauthError: "invalid_request")
    }

    /// The system may not obtain tokens this way.
    static func unauthorizedClient(_ why: String) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007005", message: why, oauthError: "unauthorized_client")
    }

    /// The grant type is not supported.
    static func unsupportedGrant(_ grant: String) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007009",
                    message: "grant_type \(grant) is not supported here; use client_credentials or refresh_token",
                    oauthError: "unsupported_grant_type")
    }

    /// The refresh token is unknown, expired, used or belongs to another client.
    static func grantInvalid(_ why: String) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007011", message: why, oauthError: "invalid_grant")
    }

    /// No scope was requested.
    static let noScope = ESIAFailure(status: 400, code: "ESIA-007013", message: "no scope requested", oauthError: "invalid_scope")

    /// A scope is not allowed for the system.
    static func scopeNotAllowed(_ scope: String) -> ESIAFailure {
        ESIAFailure(status: 400, code: "ESIA-007006", message: "scope \(scope) is not allowed for this system", oauthError: "invalid_scope")
    }

    /// The "ESIA down" fault.
    static let unavailable = ESIAFailure(status: 503, code: "ESIA-007008",
        message: "the service is overloaded or under maintenance (stand fault esiaDown)", oauthError: "temporarily_unavailable")

    /// Something inside the stand failed.
    static func internalError(_ why: String) -> ESIAFailure {
        ESIAFailure(status: 500, code: "ESIA-007007", message: "unexpected internal error: \(why)", oauthError: "server_error")
    }
}

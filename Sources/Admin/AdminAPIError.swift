import Config
import ESIA
import NIOHTTP1
import Store
import Token

/// A refused or failed admin call: an HTTP status and the JSON body `{code, message}` scripts act on.
public struct AdminAPIError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPResponseStatus
    public let body: AdminErrorBody

    public init(_ status: HTTPResponseStatus, code: String, _ message: String, requiredTier: AdminTier? = nil,
                issues: [ConfigurationIssueInfo]? = nil) {
        self.status = status
        body = AdminErrorBody(code: code, message: message, requiredTier: requiredTier, issues: issues)
    }

    public var description: String { body.message }

    /// The caller's tier is below what the call needs.
    static func forbidden(_ action: String, needs tier: AdminTier, has current: AdminTier) -> AdminAPIError {
        let who: String
        switch tier {
        case .admin: who = "root or a member of the admin group (gosgate-admin)"
        case .operator: who = "a member of the operator group (admin.operator_group) or an admin"
        case .viewer: who = "anyone who can reach the socket"
        }
        return AdminAPIError(.forbidden, code: "tier_required",
                             "\(action) needs the \(tier) tier; you are \(current). Run it as \(who).",
                             requiredTier: tier)
    }

    static func badRequest(_ message: String) -> AdminAPIError {
        AdminAPIError(.badRequest, code: "bad_request", message)
    }

    /// Store failures mapped to statuses a script can tell apart.
    init(_ error: StoreError) {
        switch error {
        case .notFound: self.init(.notFound, code: "not_found", error.description)
        case .duplicate: self.init(.conflict, code: "already_exists", error.description)
        case .invalidValue: self.init(.unprocessableEntity, code: "invalid_value", error.description)
        case .cannotOpen, .migrationFailed, .writeFailed, .readFailed:
            self.init(.serviceUnavailable, code: "store_unavailable", error.description)
        }
    }

    /// Token failures: the token's own stable code, with a status saying whose move it is.
    init(_ error: TokenError) {
        let status: HTTPResponseStatus
        switch error {
        case .pinInvalid: status = .badRequest
        case .pinIncorrect, .pinRejectedEarlier, .pinLocked, .pinFinalTryRefused, .pinRequired: status = .conflict
        case .tokenAbsent, .tokenNotFound, .tokenRemoved, .queueTimeout, .pcscUnavailable: status = .serviceUnavailable
        default: status = .badGateway
        }
        self.init(status, code: error.code, error.description)
    }
}

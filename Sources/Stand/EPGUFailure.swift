/// An error answer of the emulated EPGU API (EPGU specification, прил. 4): an HTTP status and, for
/// most statuses, a JSON body `{"code": …, "message": …}`.
struct EPGUFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP status.
    let status: Int
    /// The stable code (`bad_request`, `order_access`, `limitation_exception`...), nil for bodiless answers.
    let code: String?
    /// What is wrong, for a person.
    let message: String
    /// `Retry-After` seconds for 429.
    let retryAfterSeconds: Int?

    init(status: Int, code: String?, message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    var description: String { "HTTP \(status) \(code ?? "-"): \(message)" }

    /// 400 `bad_request`.
    static func badRequest(_ message: String) -> EPGUFailure {
        EPGUFailure(status: 400, code: "bad_request", message: message)
    }

    /// 401: the token is missing, expired, revoked or from another environment. The body is JSON too,
    /// though EPGU clients only look at the status.
    static func unauthorized(_ message: String) -> EPGUFailure {
        EPGUFailure(status: 401, code: "unauthorized", message: message)
    }

    /// 403 with one of EPGU's access codes.
    static func forbidden(_ code: String, _ message: String) -> EPGUFailure {
        EPGUFailure(status: 403, code: code, message: message)
    }

    /// 204 without a body: EPGU's way of saying "no such order".
    static let orderNotFound = EPGUFailure(status: 204, code: nil, message: "order not found")

    /// 404 `not_found` (files).
    static func notFound(_ message: String) -> EPGUFailure {
        EPGUFailure(status: 404, code: "not_found", message: message)
    }

    /// 429 `limitation_exception` with `Retry-After`.
    static func limited(_ message: String, retryAfterSeconds: Int) -> EPGUFailure {
        EPGUFailure(status: 429, code: "limitation_exception", message: message, retryAfterSeconds: retryAfterSeconds)
    }

    /// 405 `cancel_not_allowed`.
    static func cancelNotAllowed(_ message: String) -> EPGUFailure {
        EPGUFailure(status: 405, code: "cancel_not_allowed", message: message)
    }

    /// 500 `internal_error`.
    static func internalError(_ message: String) -> EPGUFailure {
        EPGUFailure(status: 500, code: "internal_error", message: message)
    }
}

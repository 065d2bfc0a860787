import ESIA
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// An answer the gateway gives itself, never confusable with one from EPGU: JSON `{code, message}`
/// and the `X-Gosgate-Error` header carrying the same code.
public struct LocalAnswer: Error, Sendable, Equatable {
    public let status: HTTPResponse.Status
    /// Stable machine code (documented in docs/api.md).
    public let code: String
    /// One or two lines for a person: what happened and what to do.
    public let message: String
    /// Seconds for `Retry-After`, when retrying later can succeed.
    public let retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    /// The HTTP response, with the request ID echoed.
    public func response(requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[HeaderHygiene.localAnswerHeader] = code
        headers[HeaderHygiene.requestID] = requestID
        headers[.cacheControl] = "no-store"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: jsonBody)))
    }

    /// The same answer as NIO HTTP/1 parts, for channel handlers that refuse a connection before
    /// Hummingbird sees a request (bad target, slow or malformed client).
    func http1Parts(version: HTTPVersion, closing: Bool) -> (HTTPResponseHead, ByteBuffer) {
        let body = ByteBuffer(bytes: jsonBody)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: HeaderHygiene.localAnswerHeader.rawName, value: code)
        headers.add(name: "Cache-Control", value: "no-store")
        if let retryAfter { headers.add(name: "Retry-After", value: String(retryAfter)) }
        if closing { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status.code), headers: headers)
        return (head, body)
    }

    private var jsonBody: Data {
        (try? JSONSerialization.data(withJSONObject: ["code": code, "message": message], options: [.sortedKeys])) ?? Data()
    }
}

extension LocalAnswer {
    static func badTarget(_ violation: RequestTargetPolicy.Violation) -> LocalAnswer {
        LocalAnswer(.badRequest, "bad_request_target", violation.description)
    }
    static let absoluteFormTarget = LocalAnswer(.badRequest, "bad_request_target",
                                                "the request target must be a path such as /api/gusmev/order, not a URL")
    static let badHost = LocalAnswer(.badRequest, "bad_host", "the Host header is not a plain host name; send the gateway's own address")
    static let notFound = LocalAnswer(.notFound, "route_not_found",
                                      "not an EPGU API endpoint the gateway forwards; see docs/api.md for the list")
    static func methodNotAllowed(_ allowed: [String]) -> LocalAnswer {
        LocalAnswer(.methodNotAllowed, "method_not_allowed", "this endpoint takes \(allowed.joined(separator: ", "))")
    }
    static let unauthenticated = LocalAnswer(.unauthorized, "client_unknown",
        "missing, unknown or revoked gateway key; send it as X-Gosgate-Key or Authorization: Bearer gg_…")
    static func forbiddenRoute(_ route: String) -> LocalAnswer {
        LocalAnswer(.forbidden, "route_forbidden", "this client may not call \(route); ask the gateway admin to allow it")
    }
    static func forbiddenIdentity(_ identity: String) -> LocalAnswer {
        LocalAnswer(.forbidden, "identity_forbidden", "this client may not act as identity \(identity)")
    }
    static let noIdentity = LocalAnswer(.forbidden, "identity_missing",
        "this client has no default identity; send X-Gosgate-Identity or ask the admin to set one")
    static func unknownIdentity(_ name: String) -> LocalAnswer {
        LocalAnswer(.internalServerError, "identity_unconfigured",
                    "identity \(name) or its environment is not configured on the gateway; tell the gateway admin")
    }
    static let forbiddenAddress = LocalAnswer(.forbidden, "address_forbidden", "this client may not call from this address")
    static func tooLarge(_ limit: Int) -> LocalAnswer {
        LocalAnswer(.contentTooLarge, "payload_too_large", "the request body exceeds the gateway's limit of \(limit) bytes")
    }
    static func requestHeaderTimeout(_ limit: Duration) -> LocalAnswer {
        LocalAnswer(.requestTimeout, "request_header_timeout",
                    "the request head did not arrive within \(limit) (gateway.header_timeout); send it at once")
    }
    static func requestBodyTimeout(_ limit: Duration) -> LocalAnswer {
        LocalAnswer(.requestTimeout, "request_body_timeout",
                    "the request body paused for more than \(limit) (gateway.body_timeout); nothing was forwarded to completion, send the whole call again")
    }
    static let requestBodyIncomplete = LocalAnswer(.badRequest, "request_body_incomplete",
        "the request body ended early or broke off; EPGU got an aborted request, never a complete one: send the whole call again")
    static let requestHeaderTooLarge = LocalAnswer(.requestHeaderFieldsTooLarge, "request_header_too_large",
        "the request head is larger than the gateway accepts (gateway.max_header_size)")
    static let malformedRequest = LocalAnswer(.badRequest, "malformed_request", "the request is not valid HTTP/1.1")
    static func clientRateLimited(limit: Int, retryAfter: Int) -> LocalAnswer {
        LocalAnswer(.tooManyRequests, "client_rate_limited",
                    "this client may send \(limit) calls per minute (its rate_per_minute); retry after \(retryAfter) s",
                    retryAfter: retryAfter)
    }
    static let gatewayBusy = LocalAnswer(.serviceUnavailable, "gateway_busy",
        "the gateway is handling as many calls as it may at once (gateway.max_concurrent_requests) and no slot opened in time",
        retryAfter: 1)
    static func quota(_ timeout: QuotaGovernor.QueueTimeout) -> LocalAnswer {
        LocalAnswer(.tooManyRequests, "quota_wait_exceeded",
                    "EPGU's \(timeout.window) limit for this identity is used up and no slot opened in time; retry after \(Int(timeout.retryAfter)) s",
                    retryAfter: Int(timeout.retryAfter))
    }
    static let auditUnavailable = LocalAnswer(.serviceUnavailable, "audit_unavailable",
        "the audit log cannot be written, so the gateway forwards nothing; the admin must check the disk and the database",
        retryAfter: 30)
    static func upstreamUnreachable(_ why: String) -> LocalAnswer {
        LocalAnswer(.badGateway, "upstream_unreachable", "EPGU could not be reached: \(why)", retryAfter: 5)
    }
    static func upstreamTimeout(_ why: String) -> LocalAnswer {
        LocalAnswer(.gatewayTimeout, "upstream_timeout", "EPGU did not answer in time: \(why)", retryAfter: 5)
    }
    static let tokenRejectedNotReplayed = LocalAnswer(.badGateway, "token_rejected_not_replayed",
        "EPGU rejected the access token and this call is never repeated automatically (duplicate orders); a new token is being obtained: check getOrdersStatus before sending again",
        retryAfter: 2)

    /// No valid ESIA token: 503 with the manager's precise reason.
    static func noToken(_ refusal: TokenManager.Refusal) -> LocalAnswer {
        LocalAnswer(.serviceUnavailable, refusal.reason.code, refusal.reason.description,
                    retryAfter: refusal.retryAfter.map { max(1, Int($0.rounded(.up))) })
    }
}

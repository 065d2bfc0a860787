import ESIA
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Store

/// The gateway's main job: authenticate an internal system, pick its identity, keep EPGU's quotas,
/// inject the ESIA token, forward to the pinned EPGU origin, stream the answer back, and audit it.
public struct ProxyResponder: HTTPResponder {
    public typealias Context = GatewayRequestContext

    /// Header naming the identity to act as, when the client may choose.
    public static let identityHeader = HTTPField.Name("X-Gosgate-Identity")!
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!

    let routes = RouteTable()
    let clients: ClientDirectory
    let identities: IdentityRegistry
    let governor: QuotaGovernor
    let systemWindows: [QuotaWindow]
    let ordersWindow: QuotaWindow
    let epgu: any EPGUClient
    let auditor: CallAuditor
    let metrics: GatewayMetrics
    let clientRates: ClientRateLimiter
    let inflight: ConcurrencyLimit
    let settings: ProxySettings
    let logger: Logger

    init(clients: ClientDirectory, identities: IdentityRegistry, governor: QuotaGovernor,
         systemWindows: [QuotaWindow], ordersWindow: QuotaWindow, epgu: any EPGUClient, auditor: CallAuditor,
         metrics: GatewayMetrics, clientRates: ClientRateLimiter, inflight: ConcurrencyLimit, settings: ProxySettings,
         logger: Logger) {
        self.clients = clients
        self.identities = identities
        self.governor = governor
        self.systemWindows = systemWindows
        self.ordersWindow = ordersWindow
        self.epgu = epgu
        self.auditor = auditor
        self.metrics = metrics
        self.clientRates = clientRates
        self.inflight = inflight
        self.settings = settings
        self.logger = logger
    }

    /// What is known about a call so far, for metrics, logs and the audit record.
    struct Call: Sendable {
        let requestID: String
        let started = ContinuousClock.now
        let method: String
        var path = "-"
        var route: EPGURoute?
        var client: String?
        var identity: String?
        var generation: UInt64?
        var orderID: String?
        var replayed = false

        func detail(status: Int, requestDigest: String, responseDigest: String, outcome: String) -> [String: String] {
            var detail: [String: String] = [
                "request_id": requestID, "method": method, "path": path, "status": String(status),
                "duration_ms": String(Int((ContinuousClock.now - started) / .milliseconds(1))),
                "request_sha": requestDigest, "response_sha": responseDigest, "outcome": outcome,
            ]
            if let identity { detail["identity"] = identity }
            if let generation { detail["token_generation"] = String(generation) }
            if let orderID { detail["order_id"] = orderID }
            if replayed { detail["replayed"] = "true" }
            return detail
        }
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        var call = Call(requestID: HeaderHygiene.requestID(from: request.headers), method: request.method.rawValue)
        do {
            // Held until the answer's last byte is written (the streamed body keeps a reference).
            guard let slot = await inflight.acquire(waitingAtMost: settings.queueDeadline) else { throw LocalAnswer.gatewayBusy }
            return try await proxy(request, context: context, call: &call, slot: slot)
        } catch let answer as LocalAnswer {
            metrics.recordRequest(route: call.route?.name ?? "-", status: Int(answer.status.code), client: call.client ?? "-")
            logger.info("refused locally", metadata: [
                "request_id": .string(call.requestID), "client": .string(call.client ?? "-"),
                "route": .string(call.route?.name ?? "-"), "status": .stringConvertible(answer.status.code),
                "code": .string(answer.code),
            ])
            return answer.response(requestID: call.requestID)
        }
    }

    private func proxy(_ request: Request, context: Context, call: inout Call,
                       slot: ConcurrencyLimit.Slot) async throws -> Response {
        // 1. The target must be a plain path on a documented endpoint.
        let target: RequestTargetPolicy.Target
        do {
            target = try RequestTargetPolicy.check(request.head.path ?? "")
        } catch {
            throw LocalAnswer.badTarget(error)
        }
        if let authority = request.head.authority, !RequestTargetPolicy.isAcceptableHost(authority) {
            throw LocalAnswer.badHost
        }
        call.path = target.path
        let route: EPGURoute
        switch routes.match(method: request.method.rawValue, path: target.path) {
        case .route(let matched, let parameters):
            route = matched
            call.orderID = parameters["orderId"]
        case .methodNotAllowed(let allowed):
            throw LocalAnswer.methodNotAllowed(allowed)
        case .notFound:
            throw LocalAnswer.notFound
        }
        call.route = route

        // 2. Who is calling, and as whom.
        let policy = try authenticate(request.headers)
        call.client = policy.name
        guard policy.allows(route: route.name) else { throw LocalAnswer.forbiddenRoute(route.name) }
        guard policy.allows(address: context.remoteAddress) else { throw LocalAnswer.forbiddenAddress }
        if let limit = policy.ratePerMinute,
           case .refused(let retryAfter) = clientRates.admit(client: policy.name, limit: limit) {
            throw LocalAnswer.clientRateLimited(limit: limit, retryAfter: retryAfter)
        }
        let identityName = try policy.identity(requested: request.headers[Self.identityHeader])
        guard let identity = identities.identity(named: identityName) else { throw LocalAnswer.unknownIdentity(identityName) }
        call.identity = identity.name

        // 3. Nothing leaves unaudited.
        guard auditor.isHealthy else { throw LocalAnswer.auditUnavailable }

        // 4. The body: small ones are held (replayable, and the order's serviceCode is readable).
        let requestDigest = BodyDigest(keepingPrefix: 64 * 1024)
        let body = try await prepareBody(request, digest: requestDigest)

        // 5. EPGU's limits, waiting fairly instead of failing at once.
        let admission: QuotaGovernor.Admission
        do {
            admission = try await governor.admit(counters(for: route, identity: identity, body: requestDigest.prefix),
                                                 client: policy.name, pauseScope: identity.quotaScope,
                                                 deadline: Date().addingTimeInterval(settings.queueDeadline.seconds))
        } catch {
            throw LocalAnswer.quota(error)
        }

        // 6. The token, then EPGU.
        var lease = route.needsToken ? try await leaseToken(identity) : nil
        call.generation = lease?.generation
        var upstream = try await send(request, target: target, identity: identity, lease: lease, body: body,
                                      requestDigest: requestDigest, call: call)

        if upstream.status == .unauthorized, let rejected = lease {
            await identity.tokens.invalidate(generation: rejected.generation)
            let canReplay: Bool
            switch body {
            case .none, .buffered: canReplay = route.safeToReplay
            case .stream: canReplay = false
            }
            await Self.discard(upstream.body)
            guard canReplay else {
                try? await auditor.commit(kind: .proxy, actor: policy.name, subject: route.name,
                                          detail: call.detail(status: 401, requestDigest: requestDigest.finish(),
                                                              responseDigest: "-", outcome: "token_rejected_not_replayed"))
                throw LocalAnswer.tokenRejectedNotReplayed
            }
            lease = try await leaseToken(identity)
            call.generation = lease?.generation
            call.replayed = true
            upstream = try await send(request, target: target, identity: identity, lease: lease, body: body,
                                      requestDigest: requestDigest, call: call)
        }
        if upstream.status == .tooManyRequests {
            let retryAfter = upstream.headers[.retryAfter].flatMap(Self.retryAfterSeconds) ?? 60
            await governor.pause(identity.quotaScope, until: Date().addingTimeInterval(retryAfter))
        }
        return try await respond(with: upstream, admission: admission, requestDigest: requestDigest, call: call, slot: slot)
    }

    // MARK: Steps

    private func authenticate(_ headers: HTTPFields) throws -> ClientPolicy {
        guard let presented = HeaderHygiene.presentedGatewayKey(in: headers),
              let policy = try clients.policy(presentedKey: presented) else {
            throw LocalAnswer.unauthenticated
        }
        return policy
    }

    private func prepareBody(_ request: Request, digest: BodyDigest) async throws -> EPGURequestBody {
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > settings.maxBodyBytes { throw LocalAnswer.tooLarge(settings.maxBodyBytes) }
        if declared == 0 || (declared == nil && request.headers[.transferEncoding] == nil) { return .none }
        if let declared, declared <= settings.replayBufferBytes {
            var collected = ByteBuffer()
            for try await chunk in request.body {
                guard collected.readableBytes + chunk.readableBytes <= declared else {
                    throw LocalAnswer(.badRequest, "body_length_mismatch", "the body is longer than its Content-Length")
                }
                var chunk = chunk
                collected.writeBuffer(&chunk)
            }
            digest.update(collected)
            return .buffered(collected)
        }
        return .stream(length: declared, MeteredBody(base: request.body, limit: settings.maxBodyBytes, digest: digest))
    }

    private func counters(for route: EPGURoute, identity: GatewayIdentity, body prefix: Data) -> [QuotaGovernor.Counter] {
        var counters = systemWindows.map { QuotaGovernor.Counter(scope: identity.quotaScope, window: $0) }
        if route.createsOrder {
            // EPGU counts orders per service; the service code is in the JSON body or the `meta` part.
            let text = String(decoding: prefix, as: UTF8.self)
            let service = text.range(of: #""serviceCode"\s*:\s*"[^"]{1,64}""#, options: .regularExpression)
                .map { String(text[$0]).split(separator: "\"").last.map(String.init) ?? "unknown" } ?? "unknown"
            counters.append(QuotaGovernor.Counter(scope: "\(identity.quotaScope)/orders/\(service)", window: ordersWindow))
        }
        return counters
    }

    private func leaseToken(_ identity: GatewayIdentity) async throws -> TokenManager.Lease {
        // Almost every call finds a valid token: no timer and no child tasks for those.
        if let lease = await identity.tokens.leaseIfHeld() { return lease }
        let wait = settings.tokenWait
        let outcome = await withTaskGroup(of: Result<TokenManager.Lease, TokenManager.Refusal>?.self) { group in
            group.addTask {
                do throws(TokenManager.Refusal) {
                    return .success(try await identity.tokens.lease())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: wait)
                return nil
            }
            let first: Result<TokenManager.Lease, TokenManager.Refusal>?? = await group.next()
            group.cancelAll()
            return first ?? nil
        }
        switch outcome {
        case .success(let lease):
            return lease
        case .failure(let refusal):
            throw LocalAnswer.noToken(refusal)
        case nil:
            throw LocalAnswer(.serviceUnavailable, "token_pending",
                              "an ESIA token is being obtained and did not arrive within \(wait)", retryAfter: 5)
        }
    }

    private func send(_ request: Request, target: RequestTargetPolicy.Target, identity: GatewayIdentity,
                      lease: TokenManager.Lease?, body: EPGURequestBody, requestDigest: BodyDigest,
                      call: Call) async throws -> EPGUResponse {
        let headers = HeaderHygiene.upstreamRequestHeaders(from: request.headers, requestID: call.requestID,
                                                           bearer: lease?.token.bearerValue)
        let started = ContinuousClock.now
        do {
            let response = try await epgu.execute(EPGURequest(method: request.method, origin: identity.epguOrigin,
                                                              pathAndQuery: target.pathAndQuery, headers: headers, body: body))
            metrics.recordUpstreamLatency((ContinuousClock.now - started).seconds)
            return response
        } catch {
            switch error {
            case .unreachable(let why): throw LocalAnswer.upstreamUnreachable(why)
            case .timeout(let why): throw LocalAnswer.upstreamTimeout(why)
            case .requestBodyFailed:
                // The meter (the digest's length) says whether the body outgrew the limit or the client stopped.
                if requestDigest.length > settings.maxBodyBytes { throw LocalAnswer.tooLarge(settings.maxBodyBytes) }
                throw LocalAnswer.requestBodyIncomplete
            }
        }
    }

    /// Streams EPGU's answer to the client and commits the audit record before the client can see
    /// the answer complete: the last chunk is held back until the record is written (with
    /// `Content-Length` framing the final bytes are what completes it), and an empty answer is
    /// audited before its head goes out. A client that received a complete answer can rely on its
    /// call being in the audit, even if the gateway is killed a moment later.
    private func respond(with upstream: EPGUResponse, admission: QuotaGovernor.Admission, requestDigest: BodyDigest,
                         call: Call, slot: ConcurrencyLimit.Slot) async throws -> Response {
        var headers = HeaderHygiene.clientResponseHeaders(from: upstream.headers, requestID: call.requestID)
        let contentLength = headers[.contentLength].flatMap(Int.init)
        headers[.contentLength] = nil
        headers[Self.rateLimitLimit] = String(admission.limit)
        headers[Self.rateLimitRemaining] = String(admission.remaining)
        headers[Self.rateLimitReset] = String(Int(admission.resetAt.timeIntervalSince1970))
        let status = upstream.status
        let auditor = self.auditor, metrics = self.metrics, logger = self.logger
        let route = call.route?.name ?? "-", client = call.client ?? "-"
        let audit: @Sendable (BodyDigest, String) async throws -> Void = { responseDigest, outcome in
            var call = call
            if call.orderID == nil { call.orderID = Self.orderID(in: responseDigest.prefix) }
            let detail = call.detail(status: Int(status.code), requestDigest: requestDigest.finish(),
                                     responseDigest: responseDigest.finish(), outcome: outcome)
            metrics.recordRequest(route: route, status: Int(status.code), client: client)
            do {
                try await auditor.commit(kind: .proxy, actor: client, subject: route, detail: detail)
            } catch {
                logger.critical("audit write failed; the gateway stops forwarding", metadata: ["error": "\(error)"])
                throw error
            }
            logger.info("proxied", metadata: [
                "request_id": .string(call.requestID), "client": .string(client), "identity": .string(call.identity ?? "-"),
                "route": .string(route), "status": .stringConvertible(status.code), "duration_us":
                    .stringConvertible((ContinuousClock.now - call.started) / .microseconds(1)),
            ])
        }
        if contentLength == 0 || status == .noContent || status == .notModified {
            await Self.discard(upstream.body)
            try await audit(BodyDigest(), "complete")
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: 0) { writer in
                try await writer.finish(nil)
            })
        }
        let body = ResponseBody(contentLength: contentLength) { writer in
            defer { withExtendedLifetime(slot) {} }  // the concurrency slot is freed after the last byte
            let responseDigest = BodyDigest(keepingPrefix: 4096)
            var outcome = "complete"
            var held: ByteBuffer?
            do {
                for try await chunk in upstream.body {
                    responseDigest.update(chunk)
                    if let previous = held { try await writer.write(previous) }
                    held = chunk
                }
            } catch {
                outcome = "aborted: \(error)"
            }
            try await audit(responseDigest, outcome)
            guard outcome == "complete" else { throw UpstreamBodyAborted() }
            if let held { try await writer.write(held) }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    struct UpstreamBodyAborted: Error {}

    private static func discard(_ body: ByteStream) async {
        do { for try await _ in body {} } catch {}
    }

    /// `{"orderId": 123…}` (or `"123"`) in the first bytes of an answer. A plain scan: it runs on
    /// every answer, where compiling a regular expression each time cost more than the rest.
    static func orderID(in prefix: Data) -> String? {
        let name = Data(#""orderId""#.utf8)
        var searchFrom = prefix.startIndex
        while let found = prefix.range(of: name, in: searchFrom..<prefix.endIndex) {
            searchFrom = found.upperBound
            // `"orderId"`, blanks, `:`, blanks, an optional quote, then the digits.
            let rest = prefix[found.upperBound...].drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            guard rest.first == UInt8(ascii: ":") else { continue }
            var value = rest.dropFirst().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            if value.first == UInt8(ascii: "\"") { value = value.dropFirst() }
            let digits = value.prefix { (0x30...0x39).contains($0) }.prefix(20)
            if !digits.isEmpty { return String(decoding: digits, as: UTF8.self) }
        }
        return nil
    }

    /// `Retry-After` as seconds, from either form (RFC 9110 §10.2.3).
    static func retryAfterSeconds(_ value: String) -> TimeInterval? {
        if let seconds = TimeInterval(value.trimmingCharacters(in: .whitespaces)) { return max(0, seconds) }
        return HTTPDate.parse(value).map { max(0, $0.timeIntervalSinceNow) }
    }
}

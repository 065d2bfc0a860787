import ESIA
import Foundation
import HTTPTypes
import Hummingbird
import Store

/// `/livez`, `/readyz` and `/metrics` on the health listener.
///
/// Ready means: the store and the audit log accept writes, and every identity either has a valid
/// token or a clear reason why not (which is reported, and makes the gateway not ready).
public struct HealthResponder: HTTPResponder {
    public typealias Context = GatewayRequestContext

    let store: GatewayStore
    let auditor: CallAuditor
    let identities: IdentityRegistry
    let governor: QuotaGovernor
    let inflight: ConcurrencyLimit
    let metrics: GatewayMetrics

    public func respond(to request: Request, context: Context) async throws -> Response {
        switch (request.method, request.uri.path) {
        case (.get, "/livez"):
            return json(.ok, ["status": "alive"])
        case (.get, "/readyz"):
            let readiness = await readiness()
            return json(readiness.ready ? .ok : .serviceUnavailable, readiness.body)
        case (.get, "/metrics"):
            let body = metrics.render(await gauges())
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        default:
            return json(.notFound, ["code": "not_found", "message": "health endpoints: /livez, /readyz, /metrics"])
        }
    }

    /// The readiness verdict and its reasons.
    public func readiness() async -> (ready: Bool, body: [String: Any]) {
        var reasons: [String] = []
        if !auditor.isHealthy && !auditor.recheck() {
            reasons.append("audit log not writable: \(auditor.failure ?? "unknown")")
        }
        var tokens: [String: Any] = [:]
        for identity in identities.all {
            let name = identity.name
            let status = await identity.tokens.status()
            var entry: [String: Any] = ["state": status.state.rawValue]
            if let expiresAt = status.expiresAt { entry["expires_in"] = Int(expiresAt.timeIntervalSinceNow) }
            if status.state == .invalid {
                let reason = status.lastFailure ?? .notYetObtained
                entry["code"] = reason.code
                entry["reason"] = reason.description
                reasons.append("identity \(name): \(reason.description)")
            }
            tokens[name] = entry
        }
        // An unsynchronised clock is reported, not fatal: ESIA judges the skew (ESIA-007015), and the
        // token manager names it precisely when ESIA's Date header disagrees.
        let clock: String
        switch ClockGuard.synchronisation() {
        case .synchronised: clock = "synchronised"
        case .unsynchronised: clock = "unsynchronised: enable NTP (chrony) before ESIA refuses the time"
        case .unknown: clock = "unknown"
        }
        return (reasons.isEmpty, ["ready": reasons.isEmpty, "reasons": reasons, "identities": tokens, "clock": clock])
    }

    private func gauges() async -> GatewayMetrics.Gauges {
        var tokens: [String: (state: String, secondsToExpiry: Double?)] = [:]
        for identity in identities.all {
            let name = identity.name
            let status = await identity.tokens.status()
            tokens[name] = (status.state.rawValue, status.expiresAt.map { $0.timeIntervalSinceNow })
        }
        let chainLength = (try? store.auditTail(limit: 1).last.map { Int($0.seq) }) ?? 0
        return GatewayMetrics.Gauges(queueDepth: await governor.queueDepth(), requestsInFlight: inflight.inUse,
                                     auditChainLength: chainLength, auditCallCommits: auditor.callCommits,
                                     tokens: tokens)
    }

    private func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

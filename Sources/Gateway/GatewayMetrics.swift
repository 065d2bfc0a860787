import Foundation
import Synchronization

/// The gateway's Prometheus metrics, rendered in the text exposition format on `/metrics`.
///
/// Kept in-process (no metrics backend dependency): a handful of counters, gauges and one latency
/// histogram are all an operator needs here.
public final class GatewayMetrics: Sendable {
    /// Upper bounds of the upstream latency histogram, in seconds.
    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct State {
        var requests: [String: Int] = [:]  // "route|status|client"
        var latencyCounts: [Int] = Array(repeating: 0, count: GatewayMetrics.latencyBuckets.count + 1)
        var latencySum: Double = 0
        var latencyTotal = 0
        var tokenAcquisitions: [String: Int] = [:]  // identity
        var tokenFailures: [String: Int] = [:]  // "identity|code"
    }

    private let state = Mutex(State())

    public init() {}

    /// One proxied or locally answered request.
    public func recordRequest(route: String, status: Int, client: String) {
        state.withLock { $0.requests["\(route)|\(status)|\(client)", default: 0] += 1 }
    }

    /// Time from sending upstream to the response head.
    public func recordUpstreamLatency(_ seconds: Double) {
        state.withLock { state in
            let index = Self.latencyBuckets.firstIndex { seconds <= $0 } ?? Self.latencyBuckets.count
            state.latencyCounts[index] += 1
            state.latencySum += seconds
            state.latencyTotal += 1
        }
    }

    public func recordTokenAcquired(identity: String) {
        state.withLock { $0.tokenAcquisitions[identity, default: 0] += 1 }
    }

    public func recordTokenFailure(identity: String, code: String) {
        state.withLock { $0.tokenFailures["\(identity)|\(code)", default: 0] += 1 }
    }

    /// Values read at scrape time from other components.
    public struct Gauges: Sendable {
        public var queueDepth: Int
        /// Calls being processed now (at most `gateway.max_concurrent_requests`).
        public var requestsInFlight: Int
        public var auditChainLength: Int
        /// Audit transactions committed for proxied calls; below the number of calls when calls
        /// finishing together share a commit.
        public var auditCallCommits: Int
        /// identity → (state name, seconds to expiry or nil)
        public var tokens: [String: (state: String, secondsToExpiry: Double?)]

        public init(queueDepth: Int, requestsInFlight: Int, auditChainLength: Int, auditCallCommits: Int,
                    tokens: [String: (state: String, secondsToExpiry: Double?)]) {
            self.queueDepth = queueDepth
            self.requestsInFlight = requestsInFlight
            self.auditChainLength = auditChainLength
            self.auditCallCommits = auditCallCommits
            self.tokens = tokens
        }
    }

    /// The exposition text.
    public func render(_ gauges: Gauges) -> String {
        let snapshot = state.withLock { $0 }
        var lines: [String] = []
        lines.append("# HELP gosgate_requests_total Requests by route, status and client.")
        lines.append("# TYPE gosgate_requests_total counter")
        for (key, count) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            lines.append("gosgate_requests_total{route=\"\(escape(parts[0]))\",status=\"\(parts[1])\",client=\"\(escape(parts[2]))\"} \(count)")
        }
        lines.append("# HELP gosgate_upstream_latency_seconds Time from sending to EPGU to its response head.")
        lines.append("# TYPE gosgate_upstream_latency_seconds histogram")
        var cumulative = 0
        for (index, bound) in Self.latencyBuckets.enumerated() {
            cumulative += snapshot.latencyCounts[index]
            lines.append("gosgate_upstream_latency_seconds_bucket{le=\"\(bound)\"} \(cumulative)")
        }
        lines.append("gosgate_upstream_latency_seconds_bucket{le=\"+Inf\"} \(snapshot.latencyTotal)")
        lines.append("gosgate_upstream_latency_seconds_sum \(snapshot.latencySum)")
        lines.append("gosgate_upstream_latency_seconds_count \(snapshot.latencyTotal)")
        lines.append("# HELP gosgate_queue_depth Requests waiting for an EPGU quota slot.")
        lines.append("# TYPE gosgate_queue_depth gauge")
        lines.append("gosgate_queue_depth \(gauges.queueDepth)")
        lines.append("# HELP gosgate_requests_in_flight Calls being processed now (gateway.max_concurrent_requests caps it).")
        lines.append("# TYPE gosgate_requests_in_flight gauge")
        lines.append("gosgate_requests_in_flight \(gauges.requestsInFlight)")
        lines.append("# HELP gosgate_audit_chain_length Records in the audit hash chain.")
        lines.append("# TYPE gosgate_audit_chain_length gauge")
        lines.append("gosgate_audit_chain_length \(gauges.auditChainLength)")
        lines.append("# HELP gosgate_audit_call_commits_total Audit transactions committed for proxied calls (group commit).")
        lines.append("# TYPE gosgate_audit_call_commits_total counter")
        lines.append("gosgate_audit_call_commits_total \(gauges.auditCallCommits)")
        lines.append("# HELP gosgate_token_valid Whether the identity has a usable ESIA token (1) or not (0).")
        lines.append("# TYPE gosgate_token_valid gauge")
        lines.append("# HELP gosgate_token_expiry_seconds Seconds until the identity's token expires.")
        lines.append("# TYPE gosgate_token_expiry_seconds gauge")
        for (identity, token) in gauges.tokens.sorted(by: { $0.key < $1.key }) {
            let label = "identity=\"\(escape(identity))\""
            lines.append("gosgate_token_valid{\(label),state=\"\(token.state)\"} \(token.state == "invalid" ? 0 : 1)")
            if let seconds = token.secondsToExpiry { lines.append("gosgate_token_expiry_seconds{\(label)} \(Int(seconds))") }
        }
        lines.append("# HELP gosgate_token_acquisitions_total ESIA tokens obtained.")
        lines.append("# TYPE gosgate_token_acquisitions_total counter")
        for (identity, count) in snapshot.tokenAcquisitions.sorted(by: { $0.key < $1.key }) {
            lines.append("gosgate_token_acquisitions_total{identity=\"\(escape(identity))\"} \(count)")
        }
        lines.append("# HELP gosgate_token_failures_total Failed attempts to obtain an ESIA token, by reason.")
        lines.append("# TYPE gosgate_token_failures_total counter")
        for (key, count) in snapshot.tokenFailures.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|").map(String.init)
            lines.append("gosgate_token_failures_total{identity=\"\(escape(parts[0]))\",code=\"\(parts.count > 1 ? parts[1] : "")\"} \(count)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

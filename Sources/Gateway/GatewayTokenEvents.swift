import ESIA
import Logging
import Systemd

/// Sends token events to the audit chain, the metrics and the log (never the token itself).
struct GatewayTokenEvents: TokenEventSink {
    let auditor: CallAuditor
    let metrics: GatewayMetrics
    let logger: Logger

    func record(_ event: TokenEvent) {
        switch event {
        case .acquired(let identity, let generation, let expiresAt, let duration):
            metrics.recordTokenAcquired(identity: identity)
            try? auditor.record(kind: .token, actor: "token-manager", subject: identity, detail: [
                "event": "acquired", "generation": String(generation),
                "expires_at": String(Int(expiresAt.timeIntervalSince1970)),
                "duration_ms": String(Int(duration / .milliseconds(1))),
            ])
            logger.notice("ESIA token obtained", metadata: [
                "identity": .string(identity), "generation": .stringConvertible(generation),
                "message_id": .string(JournalMessageID.tokenAcquired),
            ])
        case .failed(let identity, let reason, let retryAt):
            metrics.recordTokenFailure(identity: identity, code: reason.code)
            var detail = ["event": "failed", "code": reason.code, "reason": reason.description]
            if let retryAt { detail["retry_at"] = String(Int(retryAt.timeIntervalSince1970)) }
            try? auditor.record(kind: .token, actor: "token-manager", subject: identity, detail: detail)
            logger.warning("ESIA token not obtained: \(reason)", metadata: [
                "identity": .string(identity), "code": .string(reason.code),
                "message_id": .string(JournalMessageID.tokenAcquisitionFailed),
            ])
        case .invalidated(let identity, let generation):
            try? auditor.record(kind: .token, actor: "token-manager", subject: identity,
                                detail: ["event": "invalidated", "generation": String(generation)])
            logger.notice("ESIA token dropped after EPGU 401", metadata: [
                "identity": .string(identity), "generation": .stringConvertible(generation),
                "message_id": .string(JournalMessageID.tokenInvalidated),
            ])
        }
    }
}

import Foundation
import Store
import Synchronization

/// Writes one audit record per proxied call and remembers whether the audit log still accepts
/// writes: when it does not, the gateway forwards nothing (no unaudited call reaches EPGU).
public final class CallAuditor: Sendable {
    private let store: GatewayStore
    private let healthy = Atomic<Bool>(true)
    private let lastError = Mutex<String?>(nil)

    public init(store: GatewayStore) {
        self.store = store
    }

    /// False after a failed write, until `recheck()` succeeds.
    public var isHealthy: Bool { healthy.load(ordering: .acquiring) }

    /// Why the last write failed.
    public var failure: String? { lastError.withLock { $0 } }

    /// Appends a record; on failure marks the audit unhealthy and rethrows.
    public func record(kind: AuditRecord.Kind, actor: String, subject: String, detail: [String: String]) throws(StoreError) {
        do {
            try store.appendAudit(kind: kind, actor: actor, subject: subject, detail: detail)
        } catch {
            healthy.store(false, ordering: .releasing)
            lastError.withLock { $0 = error.description }
            throw error
        }
    }

    /// Tries a write again (readiness probe, admin command); restores health when it works.
    @discardableResult
    public func recheck() -> Bool {
        do {
            try store.appendAudit(kind: .system, actor: "gosgated", subject: "audit.recheck")
            healthy.store(true, ordering: .releasing)
            lastError.withLock { $0 = nil }
            return true
        } catch {
            lastError.withLock { $0 = error.description }
            return false
        }
    }
}

import Foundation
import Store
import Synchronization

/// Writes one audit record per proxied call and remembers whether the audit log still accepts
/// writes: when it does not, the gateway forwards nothing (no unaudited call reaches EPGU).
public final class CallAuditor: Sendable {
    private let store: GatewayStore
    private let groupCommit: AuditGroupCommit
    private let healthy = Atomic<Bool>(true)
    private let lastError = Mutex<String?>(nil)

    public init(store: GatewayStore) {
        self.store = store
        self.groupCommit = AuditGroupCommit(store: store)
    }

    /// False after a failed write, until `recheck()` succeeds.
    public var isHealthy: Bool { healthy.load(ordering: .acquiring) }

    /// Why the last write failed.
    public var failure: String? { lastError.withLock { $0 } }

    /// Audit transactions committed for proxied calls (several calls finishing together share one).
    public var callCommits: Int { groupCommit.commitCount }

    /// Appends a record now, on the caller's thread (admin and token events, which are rare); on
    /// failure marks the audit unhealthy and rethrows.
    public func record(kind: AuditRecord.Kind, actor: String, subject: String, detail: [String: String]) throws(StoreError) {
        do {
            try store.appendAudit(kind: kind, actor: actor, subject: subject, detail: detail)
        } catch {
            markFailed(error)
            throw error
        }
    }

    /// Appends a proxied call's record with group commit, off the caller's thread, and returns once
    /// it is committed; on failure marks the audit unhealthy and rethrows.
    public func commit(kind: AuditRecord.Kind, actor: String, subject: String,
                       detail: [String: String]) async throws(StoreError) {
        do {
            _ = try await groupCommit.append(AuditEntry(kind: kind, actor: actor, subject: subject, detail: detail))
        } catch {
            markFailed(error)
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

    private func markFailed(_ error: StoreError) {
        healthy.store(false, ordering: .releasing)
        lastError.withLock { $0 = error.description }
    }
}

import Dispatch
import Synchronization

/// Appends audit events with group commit: events that arrive while a transaction is being
/// written wait and go into the next one together, so a burst of N calls costs one commit (one
/// fsync) instead of N, and a caller resumes only once its own record is committed.
///
/// The writes run on a queue of their own, never on the caller's thread: a commit that waits for
/// the disk must not hold up an event loop serving other connections.
public final class AuditGroupCommit: Sendable {
    /// Upper bound on one transaction, so a long backlog is committed in steps.
    static let maximumBatch = 256

    private struct Waiter {
        let entry: AuditEntry
        let continuation: CheckedContinuation<Result<AuditRecord, StoreError>, Never>
    }

    private struct State {
        var pending: [Waiter] = []
        var writing = false
    }

    private let store: GatewayStore
    private let queue = DispatchQueue(label: "gosgate.audit.group-commit")
    private let state = Mutex(State())
    private let commits = Atomic<Int>(0)

    public init(store: GatewayStore) {
        self.store = store
    }

    /// Transactions committed so far (one each, however many records it held).
    public var commitCount: Int { commits.load(ordering: .relaxed) }

    /// Appends `entry` and returns its record once the transaction holding it is committed. When the
    /// transaction fails, every event in it fails with the same error and none is in the chain.
    public func append(_ entry: AuditEntry) async throws(StoreError) -> AuditRecord {
        let result = await withCheckedContinuation { continuation in
            let startsWriter = state.withLock { state -> Bool in
                state.pending.append(Waiter(entry: entry, continuation: continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if startsWriter { queue.async { self.writeUntilIdle() } }
        }
        return try result.get()
    }

    private func writeUntilIdle() {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                let taken = Array(state.pending.prefix(Self.maximumBatch))
                state.pending.removeFirst(taken.count)
                if taken.isEmpty { state.writing = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let records = try store.appendAudit(batch.map(\.entry))
                assert(records.count == batch.count, "one record per event")
                commits.add(1, ordering: .relaxed)
                for (waiter, record) in zip(batch, records) { waiter.continuation.resume(returning: .success(record)) }
            } catch {
                for waiter in batch { waiter.continuation.resume(returning: .failure(error)) }
            }
        }
    }
}

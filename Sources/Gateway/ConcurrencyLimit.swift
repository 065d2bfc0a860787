import Foundation
import Synchronization

/// `gateway.max_concurrent_requests`: at most `capacity` calls are processed at once; more wait in
/// arrival order for a slot, up to a deadline. A slot is held until the caller's `Slot` is released
/// (for a streamed answer, when its last byte is written).
final class ConcurrencyLimit: Sendable {
    /// A held slot; dropping the last reference gives it back, so no path can leak one.
    final class Slot: Sendable {
        private let limit: ConcurrencyLimit

        fileprivate init(_ limit: ConcurrencyLimit) {
            self.limit = limit
        }

        deinit { limit.release() }
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0

        mutating func takeAvailable() -> Bool {
            guard available > 0 else { return false }
            available -= 1
            return true
        }
    }

    private let state: Mutex<State>
    /// The configured capacity.
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "the configuration refuses a non-positive max_concurrent_requests")
        self.capacity = capacity
        state = Mutex(State(available: capacity))
    }

    /// Calls being processed now.
    var inUse: Int { state.withLock { capacity - $0.available } }

    /// A slot, or nil when none opened within `wait`.
    func acquire(waitingAtMost wait: Duration) async -> Slot? {
        if state.withLock({ $0.takeAvailable() }) { return Slot(self) }
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            // Checked again under the same lock as the enqueue, so a release in between is not missed.
            let queued: UInt64? = state.withLock { state in
                if state.takeAvailable() { return nil }
                state.nextID += 1
                state.waiters.append(Waiter(id: state.nextID, continuation: continuation))
                return state.nextID
            }
            guard let queued else {
                continuation.resume(returning: true)
                return
            }
            Task {
                try? await Task.sleep(for: wait)
                self.giveUp(queued)
            }
        }
        return granted ? Slot(self) : nil
    }

    private func giveUp(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: false)
    }

    private func release() {
        let next = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.available += 1
                assert(state.available <= capacity, "more slots released than acquired")
                return nil
            }
            // The slot passes straight to the oldest waiter.
            return state.waiters.removeFirst()
        }
        next?.continuation.resume(returning: true)
    }
}

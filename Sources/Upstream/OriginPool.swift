import Foundation

/// The connections to one origin: idle ones (most recently used first), a cap on how many may be
/// open, and callers waiting for one when the cap is reached.
final class OriginPool: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.

    /// What a caller may do.
    enum Grant {
        /// Use this idle connection.
        case reuse(UpstreamConnection)
        /// Open a new connection (a slot is reserved for it).
        case connect
        /// The client is shut down.
        case shutDown
    }

    private let lock = NSLock()
    private let maximum: Int
    private var idle: [UpstreamConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<Grant, Never>] = []
    private var isShutDown = false

    init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// Waits until a connection or a slot is free.
    func acquire() async -> Grant {
        await withCheckedContinuation { continuation in
            let grant: Grant? = lock.withLock {
                if isShutDown { return .shutDown }
                while let connection = idle.popLast() {
                    // One that closed while idle is dropped here; its close callback frees the slot.
                    if connection.channel.isActive { return .reuse(connection) }
                }
                if open < maximum {
                    open += 1
                    return .connect
                }
                waiters.append(continuation)
                return nil
            }
            if let grant { continuation.resume(returning: grant) }
        }
    }

    /// A connection finished an exchange and can serve the next one.
    func release(_ connection: UpstreamConnection) {
        let waiter: CheckedContinuation<Grant, Never>? = lock.withLock {
            if isShutDown { return nil }
            if !waiters.isEmpty { return waiters.removeFirst() }
            idle.append(connection)
            return nil
        }
        if let waiter {
            waiter.resume(returning: .reuse(connection))
        } else if lock.withLock({ isShutDown }) {
            connection.channel.close(promise: nil)
        }
    }

    /// A connection closed (or a reserved slot's connect failed): frees its slot.
    func closed(_ connection: UpstreamConnection?) {
        let waiter: CheckedContinuation<Grant, Never>? = lock.withLock {
            if let connection { idle.removeAll { $0 === connection } }
            open -= 1
            guard !waiters.isEmpty, !isShutDown else { return nil }
            open += 1
            return waiters.removeFirst()
        }
        waiter?.resume(returning: .connect)
    }

    /// Closes idle connections and turns away waiters and future callers.
    func shutDown() {
        let (connections, waiting) = lock.withLock { () -> ([UpstreamConnection], [CheckedContinuation<Grant, Never>]) in
            isShutDown = true
            defer { idle = []; waiters = [] }
            return (idle, waiters)
        }
        connections.forEach { $0.channel.close(promise: nil) }
        waiting.forEach { $0.resume(returning: .shutDown) }
    }

    /// Open connections (busy and idle) and idle ones, for metrics and tests.
    var counts: (open: Int, idle: Int) {
        lock.withLock { (open, idle.count) }
    }
}

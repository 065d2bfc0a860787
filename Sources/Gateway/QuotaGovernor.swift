import Foundation

/// Keeps the gateway inside EPGU's limits. Excess requests wait in a queue that is fair between
/// internal clients (round-robin), up to a deadline, instead of failing at once; an upstream 429
/// pauses the identity's queue until its `Retry-After`.
public actor QuotaGovernor {
    /// One counter: a window applied to a scope (`test/org`, `test/org/orders/10000001`...).
    public struct Counter: Sendable, Hashable {
        public let scope: String
        public let window: QuotaWindow

        public init(scope: String, window: QuotaWindow) {
            self.scope = scope
            self.window = window
        }
    }

    /// A counted call, with what to tell the client in `X-RateLimit-*`.
    public struct Admission: Sendable, Equatable {
        public let limit: Int
        public let remaining: Int
        public let resetAt: Date
        /// How long the call waited in the queue.
        public let waited: TimeInterval
    }

    /// The deadline passed before a slot opened.
    public struct QueueTimeout: Error, Sendable, Equatable {
        public let retryAfter: TimeInterval
        public let window: String
    }

    /// A stored count, for persistence across restarts.
    public struct Snapshot: Sendable, Equatable {
        /// `scope|window-name`.
        public let scope: String
        /// Milliseconds since the epoch.
        public let windowStart: Int64
        public let count: Int

        public init(scope: String, windowStart: Int64, count: Int) {
            self.scope = scope
            self.windowStart = windowStart
            self.count = count
        }
    }

    private struct Waiter {
        let id: UInt64
        let counters: [Counter]
        let continuation: CheckedContinuation<Admission?, Never>
        let enqueuedAt: Date
    }

    private var counts: [String: Int] = [:]  // "scope|window-name|start" → count
    private var pausedUntil: [String: Date] = [:]  // identity scope → date
    private var queues: [String: [Waiter]] = [:]  // client → FIFO
    private var clientOrder: [String] = []  // round-robin order of clients with waiters
    private var nextWaiterID: UInt64 = 0
    private var wakeTask: Task<Void, Never>?
    private var dirty: Set<String> = []
    private let now: @Sendable () -> Date

    public init(restoring snapshots: [Snapshot] = [], now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
        for snapshot in snapshots {
            counts["\(snapshot.scope)|\(snapshot.windowStart)"] = snapshot.count
        }
    }

    /// Counts one call against every counter, waiting (fairly per client) up to `deadline`.
    public func admit(_ counters: [Counter], client: String, pauseScope: String, deadline: Date)
        async throws(QueueTimeout) -> Admission {
        let instant = now()
        if queues.values.allSatisfy(\.isEmpty), isOpen(pauseScope, at: instant), hasRoom(counters, at: instant) {
            return take(counters, at: instant, enqueuedAt: instant)
        }
        nextWaiterID += 1
        let id = nextWaiterID
        let admission: Admission? = await withCheckedContinuation { continuation in
            let waiter = Waiter(id: id, counters: counters, continuation: continuation, enqueuedAt: instant)
            queues[client, default: []].append(waiter)
            if !clientOrder.contains(client) { clientOrder.append(client) }
            pauseScopes[id] = pauseScope
            deadlines[id] = deadline
            scheduleWake()
        }
        guard let admission else {
            let retry = counters.map { $0.window.end(containing: now()).timeIntervalSince(now()) }.max() ?? 1
            let tightest = counters.first { !hasRoom([$0], at: now()) }?.window.name ?? "queue"
            throw QueueTimeout(retryAfter: max(1, retry.rounded(.up)), window: tightest)
        }
        return admission
    }

    private var pauseScopes: [UInt64: String] = [:]
    private var deadlines: [UInt64: Date] = [:]

    /// EPGU answered 429: hold every call of this identity until `until`.
    public func pause(_ scope: String, until: Date) {
        if let current = pausedUntil[scope], current >= until { return }
        pausedUntil[scope] = until
        scheduleWake()
    }

    /// Current count of a counter (for `X-RateLimit-*`, status and metrics).
    public func used(_ counter: Counter) -> Int {
        counts[key(counter, at: now())] ?? 0
    }

    /// Calls waiting now.
    public func queueDepth() -> Int {
        queues.values.reduce(0) { $0 + $1.count }
    }

    /// Counts changed since the last call, for the store to persist.
    public func takeDirtySnapshots() -> [Snapshot] {
        defer { dirty.removeAll() }
        return dirty.compactMap { key in
            let parts = key.split(separator: "|")
            guard parts.count == 3, let start = Int64(parts[2]) else { return nil }
            return Snapshot(scope: "\(parts[0])|\(parts[1])", windowStart: start, count: counts[key] ?? 0)
        }
    }

    // MARK: Internals

    private func key(_ counter: Counter, at instant: Date) -> String {
        "\(counter.scope)|\(counter.window.name)|\(counter.window.start(containing: instant))"
    }

    private func isOpen(_ pauseScope: String, at instant: Date) -> Bool {
        guard let until = pausedUntil[pauseScope] else { return true }
        return instant >= until
    }

    private func hasRoom(_ counters: [Counter], at instant: Date) -> Bool {
        counters.allSatisfy { (counts[key($0, at: instant)] ?? 0) < $0.window.limit }
    }

    private func take(_ counters: [Counter], at instant: Date, enqueuedAt: Date) -> Admission {
        var tightest: (remaining: Int, limit: Int, reset: Date)?
        for counter in counters {
            let counterKey = key(counter, at: instant)
            let count = (counts[counterKey] ?? 0) + 1
            assert(count <= counter.window.limit, "admitted past the limit of \(counter.window.name)")
            counts[counterKey] = count
            dirty.insert(counterKey)
            let remaining = counter.window.limit - count
            if tightest == nil || remaining < tightest!.remaining {
                tightest = (remaining, counter.window.limit, counter.window.end(containing: instant))
            }
        }
        pruneOldWindows(at: instant)
        return Admission(limit: tightest?.limit ?? 0, remaining: tightest?.remaining ?? 0,
                         resetAt: tightest?.reset ?? instant, waited: instant.timeIntervalSince(enqueuedAt))
    }

    /// Admits waiters round-robin across clients while there is room; expires those past their deadline.
    private func drain() {
        let instant = now()
        var progressed = true
        while progressed {
            progressed = false
            var served: [String] = []
            for client in clientOrder {
                guard var queue = queues[client], let waiter = queue.first else { continue }
                let expired = (deadlines[waiter.id] ?? instant) <= instant
                let scope = pauseScopes[waiter.id] ?? ""
                if !expired && !(isOpen(scope, at: instant) && hasRoom(waiter.counters, at: instant)) { continue }
                queue.removeFirst()
                queues[client] = queue
                pauseScopes[waiter.id] = nil
                deadlines[waiter.id] = nil
                waiter.continuation.resume(returning: expired ? nil : take(waiter.counters, at: instant,
                                                                          enqueuedAt: waiter.enqueuedAt))
                served.append(client)
                progressed = true
            }
            // Served clients go to the back, so the next free slot goes to someone else.
            clientOrder = (clientOrder.filter { !served.contains($0) } + served)
                .filter { !(queues[$0]?.isEmpty ?? true) }
        }
        if !clientOrder.isEmpty { scheduleWake() }
    }

    /// Sleeps until the earliest moment something can change: a deadline, a window end, a pause end.
    private func scheduleWake() {
        wakeTask?.cancel()
        let instant = now()
        var moments: [Date] = Array(deadlines.values) + pausedUntil.values.filter { $0 > instant }
        for queue in queues.values { for waiter in queue { moments += waiter.counters.map { $0.window.end(containing: instant) } } }
        guard let next = moments.min() else { return }
        let delay = max(0.001, next.timeIntervalSince(instant))
        wakeTask = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int((delay * 1000).rounded(.up)) + 1))
            guard !Task.isCancelled else { return }
            await self?.drain()
        }
    }

    private func pruneOldWindows(at instant: Date) {
        guard counts.count > 10_000 else { return }
        counts = counts.filter { key, _ in
            let parts = key.split(separator: "|")
            guard parts.count == 3, let start = Int64(parts[2]) else { return false }
            return TimeInterval(start) > instant.timeIntervalSince1970 - 2 * 86_400
        }
    }
}

import Foundation

/// Keeps one identity's ESIA access token fresh and hands it to the gateway.
///
/// States follow Google's auth library: *fresh* (served), *stale* (still served; one background
/// refresh runs), *invalid* (callers wait for the single in-flight refresh, or get the reason).
/// Guarantees:
/// - it never hands out a token within `expirySafety` of its `exp`;
/// - at most one acquisition runs at a time (200 concurrent callers cause one ESIA call);
/// - transient failures back off with jitter from 1 s to 5 min, while a still-valid token keeps
///   being served ("static stability");
/// - failures that need a person (wrong PIN, ESIA refusal) stop all attempts until `wake()`.
public actor TokenManager {
    /// A token handed to a caller, with the generation to quote when EPGU answers 401.
    public struct Lease: Sendable, Equatable {
        public let token: AccessToken
        public let generation: UInt64
    }

    /// Why no lease could be given, and when trying again makes sense.
    public struct Refusal: Error, Sendable, Equatable {
        public let reason: TokenUnavailable
        /// Seconds until the next automatic attempt; nil when waiting for a person.
        public let retryAfter: TimeInterval?
    }

    /// A snapshot for status, readiness and metrics.
    public struct Status: Sendable, Equatable {
        public enum State: String, Sendable { case fresh, stale, invalid }
        public let state: State
        public let generation: UInt64?
        public let expiresAt: Date?
        public let lastFailure: TokenUnavailable?
        public let retryAt: Date?
        public let waitingForPerson: Bool
    }

    private struct Held {
        let lease: Lease
        let staleAt: Date
    }

    public nonisolated let identity: String
    private let source: any AccessTokenSource
    private let policy: RefreshPolicy
    private let events: (any TokenEventSink)?
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double

    private var held: Held?
    private var generation: UInt64 = 0
    private var refresh: Task<Void, Never>?
    private var lastFailure: TokenUnavailable?
    private var consecutiveFailures = 0
    private var retryAt: Date?
    private var waitingForPerson = false

    /// - Parameters:
    ///   - now: the wall clock (tests pass a controllable one); `exp` is wall-clock time.
    ///   - random: uniform in 0..<1, for jitter.
    public init(identity: String, source: any AccessTokenSource, policy: RefreshPolicy = RefreshPolicy(),
                events: (any TokenEventSink)? = nil,
                now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.identity = identity
        self.source = source
        self.policy = policy
        self.events = events
        self.now = now
        self.random = random
    }

    /// A valid token, waiting only when none is valid and an attempt is allowed now.
    public func lease() async throws(Refusal) -> Lease {
        if let lease = usableLease() { return lease }
        if refresh == nil { startRefreshIfAllowed() }
        if let refresh { await refresh.value }
        if let lease = usableLease() { return lease }
        throw refusal()
    }

    /// The held token if it is valid now, without waiting and without starting a first acquisition
    /// (the gateway's per-call fast path; it falls back to `lease()`). A stale token still starts
    /// the background refresh, as `lease()` does.
    public func leaseIfHeld() -> Lease? {
        usableLease()
    }

    /// Drops `generation` after EPGU rejected it, and starts obtaining a new one. Later calls with
    /// the same generation (other requests that saw the same 401) do nothing: no stampede.
    public func invalidate(generation rejected: UInt64) {
        guard let current = held, current.lease.generation == rejected else { return }
        held = nil
        events?.record(.invalidated(identity: identity, generation: rejected))
        startRefreshIfAllowed()
    }

    /// A person acted (PIN entered, token inserted, configuration fixed): forget the stop and the
    /// backoff, and obtain a token now if the current one is not fresh.
    public func wake() {
        waitingForPerson = false
        retryAt = nil
        consecutiveFailures = 0
        if held == nil || now() >= held!.staleAt { startRefreshIfAllowed() }
    }

    /// Starts a refresh if one is due (token stale or missing, backoff over). The daemon calls this
    /// at `nextDueDate()`.
    public func maintain() {
        if let held, now() < held.staleAt { return }
        startRefreshIfAllowed()
    }

    /// When `maintain()` next has work: the stale point or the end of the backoff; nil while waiting
    /// for a person or a refresh.
    public func nextDueDate() -> Date? {
        if waitingForPerson || refresh != nil { return nil }
        if let retryAt { return retryAt }
        return held?.staleAt ?? now()
    }

    /// Waits for the in-flight refresh, if any (tests and `identity test`).
    public func settle() async {
        if let refresh { await refresh.value }
    }

    /// The current state.
    public func status() -> Status {
        let instant = now()
        let state: Status.State
        if let held, isUsable(held, at: instant) {
            state = instant < held.staleAt ? .fresh : .stale
        } else {
            state = .invalid
        }
        return Status(state: state, generation: held?.lease.generation, expiresAt: held?.lease.token.expiresAt,
                      lastFailure: lastFailure, retryAt: retryAt, waitingForPerson: waitingForPerson)
    }

    /// Runs `maintain()` whenever it is due, until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            maintain()
            let due = nextDueDate().map { $0.timeIntervalSince(now()) } ?? 1
            let pause = min(max(due, 0.05), 30)
            try? await Task.sleep(for: .milliseconds(Int(pause * 1000)))
        }
    }

    // MARK: Internals

    private func isUsable(_ held: Held, at instant: Date) -> Bool {
        instant < held.lease.token.expiresAt.addingTimeInterval(-policy.expirySafety.seconds)
    }

    /// The held lease if it is still usable; kicks a background refresh when it is stale.
    private func usableLease() -> Lease? {
        let instant = now()
        guard let held else { return nil }
        guard isUsable(held, at: instant) else {
            self.held = nil
            return nil
        }
        if instant >= held.staleAt { startRefreshIfAllowed() }
        return held.lease
    }

    private func refusal() -> Refusal {
        let reason = lastFailure ?? .notYetObtained
        let retryAfter = waitingForPerson ? nil : retryAt.map { max(0, $0.timeIntervalSince(now())) }
        return Refusal(reason: reason, retryAfter: retryAfter)
    }

    private func startRefreshIfAllowed() {
        guard refresh == nil, !waitingForPerson else { return }
        if let retryAt, now() < retryAt { return }
        refresh = Task { await self.performRefresh() }
    }

    private func performRefresh() async {
        let started = ContinuousClock.now
        do throws(TokenUnavailable) {
            let token = try await source.obtainToken()
            let instant = now()
            guard token.expiresAt.addingTimeInterval(-policy.expirySafety.seconds) > instant else {
                throw TokenUnavailable.clockUnusable(
                    "ESIA issued a token expiring at \(token.expiresAt), which is already past for this clock")
            }
            generation += 1
            let lease = Lease(token: token, generation: generation)
            held = Held(lease: lease, staleAt: policy.staleAt(issuedAt: instant, expiresAt: token.expiresAt,
                                                             random: random()))
            lastFailure = nil
            consecutiveFailures = 0
            retryAt = nil
            events?.record(.acquired(identity: identity, generation: generation, expiresAt: token.expiresAt,
                                     duration: ContinuousClock.now - started))
        } catch {
            recordFailure(error)
        }
        refresh = nil
    }

    private func recordFailure(_ reason: TokenUnavailable) {
        lastFailure = reason
        if reason.needsPerson {
            waitingForPerson = true
            retryAt = nil
        } else {
            consecutiveFailures += 1
            retryAt = now().addingTimeInterval(policy.backoff(afterFailures: consecutiveFailures, random: random()))
        }
        events?.record(.failed(identity: identity, reason: reason, retryAt: retryAt))
    }
}

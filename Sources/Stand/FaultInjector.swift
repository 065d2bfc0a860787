import Foundation
import Synchronization

/// Applies the current `StandFaults` to each request and keeps their counters.
final class FaultInjector: Sendable {
    /// What to do with an EPGU request before it is served.
    enum EPGUFault: Equatable {
        case drop
        case serverError(status: Int)
        case rateLimited(retryAfterSeconds: Int)
    }

    /// What to do with an ESIA request before it is served.
    enum ESIAFault: Equatable {
        case drop
        case unavailable
    }

    private struct State {
        var faults = StandFaults()
        /// Tokens issued before this moment are revoked (set when `unauthorizedAfterCalls` runs out).
        var revokedBefore: Date?
    }

    private let state = Mutex(State())

    /// The faults in force, with counters as consumed so far.
    var current: StandFaults { state.withLock { $0.faults } }

    /// When tokens were last revoked by `unauthorizedAfterCalls`, if they were.
    var revokedBefore: Date? { state.withLock { $0.revokedBefore } }

    /// Replaces every fault (and forgets an earlier revocation).
    func replace(with faults: StandFaults) {
        state.withLock { $0 = State(faults: faults, revokedBefore: nil) }
    }

    /// The added latency, if any.
    var latency: Duration? {
        guard let milliseconds = current.latencyMilliseconds, milliseconds > 0 else { return nil }
        return .milliseconds(milliseconds)
    }

    /// Consumes one dropped connection, if any are left.
    private func takeDrop(_ state: inout State) -> Bool {
        guard let drops = state.faults.dropConnections, drops > 0 else { return false }
        state.faults.dropConnections = drops - 1
        return true
    }

    /// Decides the fate of an ESIA request.
    func beforeESIA() -> ESIAFault? {
        state.withLock { state in
            if takeDrop(&state) { return .drop }
            switch state.faults.esiaDown {
            case .drop: return .drop
            case .unavailable: return .unavailable
            case nil: return nil
            }
        }
    }

    /// Decides the fate of an EPGU request and counts it towards `unauthorizedAfterCalls`.
    func beforeEPGU(now: Date) -> EPGUFault? {
        state.withLock { state in
            if takeDrop(&state) { return .drop }
            if let rate = state.faults.serverErrorRate, rate > 0, Double.random(in: 0..<1) < rate {
                return .serverError(status: state.faults.serverErrorStatus ?? 503)
            }
            if var limit = state.faults.rateLimit, limit.count.map({ $0 > 0 }) ?? true {
                if let count = limit.count {
                    limit.count = count - 1
                    state.faults.rateLimit = limit
                }
                return .rateLimited(retryAfterSeconds: limit.retryAfterSeconds)
            }
            if let remaining = state.faults.unauthorizedAfterCalls {
                if remaining == 0 {
                    state.revokedBefore = now
                    state.faults.unauthorizedAfterCalls = nil
                } else {
                    state.faults.unauthorizedAfterCalls = remaining - 1
                }
            }
            return nil
        }
    }
}

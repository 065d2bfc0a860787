import Foundation
import Synchronization

/// The stand's notion of "now": the system clock plus an offset tests can move forward, so order
/// statuses, token expiry, chunk windows and limit windows can be exercised without waiting.
public final class StandClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    public init() {}

    /// The current stand time.
    public var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// How far the stand clock is ahead of the system clock, seconds.
    public var offsetSeconds: TimeInterval { offset.withLock { $0 } }

    /// Moves the stand clock forward (or back, for a negative value) by `seconds`.
    public func advance(by seconds: TimeInterval) {
        offset.withLock { $0 += seconds }
    }

    /// Puts the stand clock back on the system clock.
    public func reset() {
        offset.withLock { $0 = 0 }
    }
}

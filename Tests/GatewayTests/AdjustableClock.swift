import Foundation

/// The wall clock plus an offset the test moves forward: lets a token manager see a token go stale
/// or near expiry while the stand, the signing time and the JWT keep real time.
final class AdjustableClock: @unchecked Sendable {
    // @unchecked: `offset` is only read and written under `lock`.
    private let lock = NSLock()
    private var offset: TimeInterval = 0

    /// Now, as the manager sees it.
    var now: Date { lock.withLock { Date().addingTimeInterval(offset) } }

    /// Makes the manager's clock run `seconds` ahead of the wall clock.
    func setOffset(_ seconds: TimeInterval) {
        lock.withLock { offset = seconds }
    }
}

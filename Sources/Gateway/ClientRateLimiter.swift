import Foundation
import Synchronization

/// Holds each internal client to its own `rate_per_minute` (set with `gosgatectl client add
/// --rate-per-minute`), in calendar-minute windows. Unlike EPGU's quotas, which make calls wait
/// their turn, a client over its own limit is refused at once: the limit protects the other
/// clients' share, and a queue would only hide the runaway caller.
final class ClientRateLimiter: Sendable {
    /// The verdict for one call.
    enum Decision: Equatable {
        case admitted
        /// Over the limit; the window ends after `retryAfter` seconds.
        case refused(retryAfter: Int)
    }

    private struct Window {
        var start: Int64
        var count: Int
    }

    private let windows = Mutex<[String: Window]>([:])

    /// Counts a call by `client` against `limit` calls per minute.
    func admit(client: String, limit: Int, now: Date = Date()) -> Decision {
        precondition(limit > 0, "the store refuses a non-positive rate_per_minute")
        let epochSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let start = epochSeconds - epochSeconds % 60
        return windows.withLock { windows in
            var window = windows[client].flatMap { $0.start == start ? $0 : nil } ?? Window(start: start, count: 0)
            guard window.count < limit else { return .refused(retryAfter: Int(max(1, start + 60 - epochSeconds))) }
            window.count += 1
            windows[client] = window
            return .admitted
        }
    }
}

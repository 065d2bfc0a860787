import Foundation
import Synchronization

/// Counts requests per information system in calendar windows (minute, hour, day, month, year) and
/// refuses the ones over a limit, saying when the window ends.
final class SystemRateLimiter: Sendable {
    private struct Window: Hashable {
        let clientID: String
        let unit: Calendar.Component
        let start: Date
    }

    private let limits: StandSystemLimits
    private let calendar: Calendar
    private let counts = Mutex<[Window: Int]>([:])

    /// - Parameter utcOffsetMinutes: calendar windows start at midnight (and month starts) in this offset.
    init(limits: StandSystemLimits, utcOffsetMinutes: Int) {
        self.limits = limits
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: utcOffsetMinutes * 60) ?? .gmt
        self.calendar = calendar
    }

    /// Counts one request of `clientID`; throws 429 with `Retry-After` when a limit is reached.
    func admit(clientID: String, now: Date) throws(EPGUFailure) {
        let rules: [(Calendar.Component, Int, String)] = [
            (.minute, limits.perMinute, "minute"), (.hour, limits.perHour, "hour"), (.day, limits.perDay, "day"),
            (.month, limits.perMonth, "month"), (.year, limits.perYear, "year"),
        ]
        let windows = rules.compactMap { unit, limit, name -> (Window, Int, String, Date)? in
            guard let interval = calendar.dateInterval(of: unit, for: now) else { return nil }
            return (Window(clientID: clientID, unit: unit, start: interval.start), limit, name, interval.end)
        }
        let refusal: EPGUFailure? = counts.withLock { counts in
            for (window, limit, name, end) in windows where (counts[window] ?? 0) >= limit {
                let wait = max(1, Int(end.timeIntervalSince(now).rounded(.up)))
                return .limited("system \(clientID) made \(limit) requests this \(name), its limit; retry after \(wait) s",
                                retryAfterSeconds: wait)
            }
            // Forget windows that are over, then count this request in every current one.
            let current = Set(windows.map(\.0))
            counts = counts.filter { current.contains($0.key) || $0.key.clientID != clientID }
            for (window, _, _, _) in windows { counts[window, default: 0] += 1 }
            return nil
        }
        if let refusal { throw refusal }
    }
}

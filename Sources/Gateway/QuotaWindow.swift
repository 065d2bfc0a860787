import Foundation

/// A calendar window limit: at most `limit` calls per `length`, counted in windows aligned to
/// `offset` (EPGU counts in calendar minutes, hours, days and 10-minute blocks, research §4.1).
public struct QuotaWindow: Sendable, Hashable {
    public let name: String
    public let limit: Int
    public let length: TimeInterval
    /// Alignment of window starts from the Unix epoch (days start at Moscow midnight: −3 h).
    public let offset: TimeInterval

    public init(name: String, limit: Int, length: TimeInterval, offset: TimeInterval = 0) {
        precondition(limit > 0 && length > 0, "a quota window needs a positive limit and length")
        self.name = name
        self.limit = limit
        self.length = length
        self.offset = offset
    }

    /// Start of the window containing `date`, in milliseconds since the epoch.
    func start(containing date: Date) -> Int64 {
        let shifted = date.timeIntervalSince1970 - offset
        return Int64((((shifted / length).rounded(.down) * length + offset) * 1000).rounded())
    }

    /// End of the window containing `date`.
    func end(containing date: Date) -> Date {
        Date(timeIntervalSince1970: TimeInterval(start(containing: date)) / 1000 + length)
    }

    /// EPGU's default per-system limits.
    public static func epguSystemLimits(perMinute: Int, perHour: Int, perDay: Int) -> [QuotaWindow] {
        [QuotaWindow(name: "minute", limit: perMinute, length: 60),
         QuotaWindow(name: "hour", limit: perHour, length: 3600),
         QuotaWindow(name: "day", limit: perDay, length: 86_400, offset: -3 * 3600)]
    }

    /// 20 orders per service per user per 10 minutes.
    public static func orders(limit: Int) -> QuotaWindow {
        QuotaWindow(name: "orders-10min", limit: limit, length: 600)
    }
}

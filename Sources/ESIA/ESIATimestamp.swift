import Foundation

/// ESIA's request timestamp format: `yyyy.MM.dd HH:mm:ss Z`, e.g. `2025.09.02 13:00:29 +0000`
/// (research/esia-epgu-protocol.md §3.1). Always rendered in UTC with a numeric offset.
public enum ESIATimestamp {
    public static func string(from date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy.MM.dd HH:mm:ss Z"
        return formatter.string(from: date)
    }
}

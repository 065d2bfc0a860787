import Foundation

/// HTTP dates (RFC 9110 §5.6.7, IMF-fixdate: `Sun, 22 Nov 2026 12:00:00 GMT`), as in `Date` and
/// `Retry-After` headers.
public enum HTTPDate {
    /// The instant `text` names, or nil when it is not an IMF-fixdate.
    public static func parse(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

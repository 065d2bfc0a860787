import Foundation

/// EPGU's date formats: `2023-11-02T07:27:22.586+0300` in answers, `2023-11-02T07:27:22.586`
/// (local time of the environment) in `getUpdatedAfter`'s `updatedAfter`.
enum EPGUDate {
    /// A date as EPGU writes it, in the environment's offset.
    static func string(_ date: Date, utcOffsetMinutes: Int) -> String {
        formatter("yyyy-MM-dd'T'HH:mm:ss.SSSZ", utcOffsetMinutes: utcOffsetMinutes).string(from: date)
    }

    /// Reads `updatedAfter` (milliseconds optional) in the environment's offset.
    static func parseLocal(_ text: String, utcOffsetMinutes: Int) -> Date? {
        for format in ["yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss"] {
            if let date = formatter(format, utcOffsetMinutes: utcOffsetMinutes).date(from: text) { return date }
        }
        return nil
    }

    private static func formatter(_ format: String, utcOffsetMinutes: Int) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: utcOffsetMinutes * 60)
        formatter.dateFormat = format
        return formatter
    }
}

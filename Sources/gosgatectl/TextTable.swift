import Foundation

/// Columns aligned for a terminal: a header row in capitals, then one row per item. Widths count
/// characters, so Cyrillic names line up.
struct TextTable {
    private let header: [String]
    private var rows: [[String]] = []

    init(_ header: String...) {
        self.header = header
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    var isEmpty: Bool { rows.isEmpty }

    /// The table, indented by `indent` spaces; the last column is not padded.
    func render(indent: Int = 0) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        let margin = String(repeating: " ", count: indent)
        return all.map { row in
            let cells = header.indices.map { column -> String in
                let cell = row.indices.contains(column) ? row[column] : ""
                return column == header.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            return margin + cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}

/// How daemon answers read in a terminal.
enum HumanFormat {
    /// `2025-01-31 12:00:00 UTC`.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    /// `3d 04h`, `2h 05m`, `4m 10s`, `42s`.
    static func duration(_ seconds: Int?) -> String {
        guard let seconds else { return "-" }
        let days = seconds / 86_400, hours = seconds % 86_400 / 3600, minutes = seconds % 3600 / 60
        if days > 0 { return "\(days)d \(String(format: "%02d", hours))h" }
        if hours > 0 { return "\(hours)h \(String(format: "%02d", minutes))m" }
        if minutes > 0 { return "\(minutes)m \(String(format: "%02d", seconds % 60))s" }
        return "\(seconds)s"
    }

    static func list(_ values: [String]) -> String {
        values.isEmpty ? "-" : values.joined(separator: ",")
    }
}

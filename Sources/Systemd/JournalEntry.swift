/// One journal entry in journald's native protocol (`systemd.journal-fields(7)`, the protocol
/// `sd_journal_sendv(3)` speaks): `NAME=value` lines, or, for a value with a line break,
/// `NAME`, a newline, the value's length as a little-endian 64-bit integer, the value, a newline.
struct JournalEntry: Sendable {
    private(set) var fields: [(name: String, value: String)] = []

    /// Adds a field; `name` must already be valid (see `JournalFieldName`).
    mutating func append(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    /// Whether a field called `name` is present.
    func contains(_ name: String) -> Bool {
        fields.contains { $0.name == name }
    }

    /// The datagram journald reads.
    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        for (name, value) in fields {
            bytes.append(contentsOf: name.utf8)
            let valueBytes = Array(value.utf8)
            if valueBytes.contains(UInt8(ascii: "\n")) {
                bytes.append(UInt8(ascii: "\n"))
                var length = UInt64(valueBytes.count).littleEndian
                withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
            } else {
                bytes.append(UInt8(ascii: "="))
            }
            bytes.append(contentsOf: valueBytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}

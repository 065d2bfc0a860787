/// The text an audit record stores (and hashes) for its detail: a JSON object of strings, keys in
/// byte order, written directly. It runs for every proxied call, where `JSONEncoder` cost more than
/// the rest of the append; the text only has to be valid JSON and the same for the same detail.
enum AuditDetailText {
    static func json(_ detail: [String: String]) -> String {
        var text = "{"
        for (index, key) in detail.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { text.append(",") }
            appendQuoted(key, to: &text)
            text.append(":")
            appendQuoted(detail[key]!, to: &text)
        }
        text.append("}")
        return text
    }

    /// `value` as a JSON string (RFC 8259 §7): quote, backslash and control characters escaped.
    private static func appendQuoted(_ value: String, to text: inout String) {
        text.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text.append("\"")
    }
}

/// Turns swift-log metadata keys into journal field names: journald keeps only names of 1–64
/// characters from `A–Z`, `0–9` and `_` that start with a letter (a leading `_` marks fields only
/// journald itself may set). `request_id` and `request-id` both become `REQUEST_ID`.
enum JournalFieldName {
    /// The field name for `key`, or nil when nothing usable is left of it.
    static func forMetadataKey(_ key: String) -> String? {
        var name = String(key.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z": return Character(String(scalar).uppercased())
            case "A"..."Z", "0"..."9": return Character(scalar)
            default: return "_"
            }
        })
        while name.first == "_" { name.removeFirst() }
        guard let first = name.first else { return nil }
        if first.isNumber { name = "F_" + name }
        return String(name.prefix(64))
    }
}

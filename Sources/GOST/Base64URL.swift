import Foundation

/// Base64url (RFC 4648 §5) as ESIA wants it in URLs and form fields: `-` and `_`, no `=` padding.
public enum Base64URL {
    /// Encodes `data` without padding.
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url with or without padding; also accepts standard base64 (`+`, `/`) and
    /// ignores whitespace and line breaks, since people paste both.
    public static func decode(_ text: String) throws(GOSTError) -> Data {
        var normalized = text.filter { !$0.isWhitespace }
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        // "%3D" is a percent-encoded "=" as seen in URLs that kept padding.
        normalized = normalized.replacingOccurrences(of: "%3D", with: "=").replacingOccurrences(of: "%3d", with: "=")
        while normalized.hasSuffix("=") { normalized.removeLast() }
        guard normalized.count % 4 != 1 else {
            throw .malformedInput("base64url text has an impossible length (\(normalized.count) characters)")
        }
        normalized += String(repeating: "=", count: (4 - normalized.count % 4) % 4)
        guard let data = Data(base64Encoded: normalized) else {
            throw .malformedInput("not base64url text (only A–Z, a–z, 0–9, '-', '_' expected)")
        }
        return data
    }
}

/// One credential's content. Its description names it and gives its size, never the content, so
/// that interpolating a credential into a log line or an error leaks nothing.
public struct Credential: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// systemd's limit for one credential (`CREDENTIAL_SIZE_MAX`).
    static let maximumSize = 1024 * 1024

    /// The credential's name (its file name in `$CREDENTIALS_DIRECTORY`).
    public let name: String
    /// The content, exactly as systemd passed it.
    public let bytes: [UInt8]

    /// The content as UTF-8 text without trailing line breaks (`echo 1234 | systemd-creds encrypt`
    /// leaves one); throws when it is not UTF-8 or nothing remains.
    public func text() throws(CredentialError) -> String {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        guard end > bytes.startIndex else { throw .empty(name: name) }
        guard let text = String(validating: bytes[..<end], as: UTF8.self) else { throw .notText(name: name) }
        return text
    }

    public var description: String { "credential \(name) (\(bytes.count) bytes, content not shown)" }
    public var debugDescription: String { description }

    /// systemd's rule: a valid file name (no `/`, not `.` or `..`), at most 255 bytes.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && name != "." && name != ".." && !name.contains("/")
            && !name.utf8.contains(0)
    }
}

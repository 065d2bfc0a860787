#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The credentials systemd passed to the service (`LoadCredential=`, `LoadCredentialEncrypted=`,
/// `SetCredential=`), found as files in `$CREDENTIALS_DIRECTORY`.
///
/// systemd decrypts an encrypted credential before the service starts and places the plaintext in
/// a private, read-only, non-swappable directory only the service user can read. gosgate reads the
/// token PIN from the credential named `gosgate-token-pin`.
public struct CredentialStore: Sendable {
    /// The directory systemd made, or nil when the service was started without credentials.
    public let directory: String?

    /// Reads `CREDENTIALS_DIRECTORY` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(directory: environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// A store over an explicit directory.
    public init(directory: String?) {
        self.directory = directory
    }

    /// Whether a credential called `name` was passed.
    public func contains(_ name: String) -> Bool {
        guard let directory, Credential.isValidName(name) else { return false }
        return access(directory + "/" + name, F_OK) == 0
    }

    /// Reads the credential called `name`.
    public func read(_ name: String) throws(CredentialError) -> Credential {
        guard Credential.isValidName(name) else { throw .invalidName(name) }
        guard let directory else { throw .noCredentialsDirectory(name: name) }
        let path = directory + "/" + name
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw .missing(name: name, directory: directory) }
            throw .unreadable(name: name, SystemError(call: "open", code: code))
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(name: name, SystemError(call: "read", code: errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= Credential.maximumSize else { throw .tooLarge(name: name) }
        }
        // Best effort: the read buffer held secret bytes, so clear it before it is freed.
        chunk.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
        guard !bytes.isEmpty else { throw .empty(name: name) }
        return Credential(name: name, bytes: bytes)
    }
}

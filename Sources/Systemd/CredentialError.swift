/// A credential could not be read. Messages name the credential and never show its content.
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name cannot be a credential (empty, `/`, `.`, `..`, too long).
    case invalidName(String)
    /// `CREDENTIALS_DIRECTORY` is not set: the unit passes no credentials at all.
    case noCredentialsDirectory(name: String)
    /// The unit passes credentials, but not this one.
    case missing(name: String, directory: String)
    /// The file exists but cannot be read.
    case unreadable(name: String, SystemError)
    /// Larger than systemd allows for a credential.
    case tooLarge(name: String)
    /// Empty, or only line breaks.
    case empty(name: String)
    /// Not UTF-8 text where text was expected.
    case notText(name: String)

    public var description: String {
        switch self {
        case .invalidName(let name):
            return "'\(name)' is not a valid credential name (a file name without '/')"
        case .noCredentialsDirectory(let name):
            return "credential \(name) was not passed: CREDENTIALS_DIRECTORY is not set; run gosgated from gosgate.service with LoadCredentialEncrypted=\(name), or log the token in with `gosgatectl token login`"
        case .missing(let name, let directory):
            return "credential \(name) is not in \(directory); create /etc/credstore.encrypted/\(name) with `systemd-creds encrypt --name=\(name)` and restart the service"
        case .unreadable(let name, let error):
            return "credential \(name) cannot be read: \(error)"
        case .tooLarge(let name):
            return "credential \(name) is larger than 1 MiB; it is not a PIN"
        case .empty(let name):
            return "credential \(name) is empty; encrypt it again with its content"
        case .notText(let name):
            return "credential \(name) is not UTF-8 text; encrypt it again from a text file"
        }
    }
}

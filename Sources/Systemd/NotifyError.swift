/// A notification that could not be delivered to systemd.
public enum NotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `NOTIFY_SOCKET` is neither an absolute path nor an `@abstract` name, or is too long.
    case invalidSocketAddress(String)
    /// No socket could be created to send from.
    case socketUnavailable(SystemError)
    /// The datagram was refused.
    case sendFailed(socketPath: String, SystemError)

    public var description: String {
        switch self {
        case .invalidSocketAddress(let path):
            return "NOTIFY_SOCKET '\(path)' is not an absolute path or @name; start the service from its systemd unit"
        case .socketUnavailable(let error):
            return "cannot create a socket to notify systemd: \(error)"
        case .sendFailed(let path, let error):
            return "cannot notify systemd through \(path): \(error); is the service manager still running?"
        }
    }
}

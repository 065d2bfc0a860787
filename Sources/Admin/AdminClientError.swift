/// Why `gosgatectl` could not get an answer from the daemon.
public enum AdminClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No socket at the path: the daemon is not running, or `--socket` points elsewhere.
    case socketMissing(path: String)
    /// The socket's mode or group keeps this user out.
    case permissionDenied(path: String)
    /// The socket exists but nobody accepts on it (a stale file after a crash).
    case notListening(path: String)
    case connectFailed(path: String, reason: String)
    /// The daemon did not answer in time.
    case timedOut(seconds: Int)
    /// The answer was not HTTP the client understands.
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .socketMissing(let path):
            return "no admin socket at \(path): is gosgated running? (systemctl status gosgate; or pass --socket)"
        case .permissionDenied(let path):
            return "permission denied on \(path): run as root or as a member of gosgate-admin (or of the group the socket was opened to)"
        case .notListening(let path):
            return "nothing answers on \(path): gosgated is not running (systemctl start gosgate)"
        case .connectFailed(let path, let reason):
            return "cannot connect to \(path): \(reason)"
        case .timedOut(let seconds):
            return "gosgated did not answer within \(seconds) s; check `journalctl -u gosgate`"
        case .malformedResponse(let why):
            return "unexpected answer from gosgated: \(why)"
        }
    }
}

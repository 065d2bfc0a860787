/// Why the admin listener could not start or serve a connection.
public enum AdminServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process accepts connections on the socket path: a second gosgated, most likely.
    case socketInUse(path: String)
    /// The path exists and is not a socket; it is left alone.
    case pathNotSocket(path: String)
    /// The socket could not be created, bound or given its mode and group.
    case cannotListen(path: String, reason: String)
    /// The socket systemd passed is unusable.
    case activationFailed(String)
    /// The kernel gave no credentials for a connection (it is refused).
    case peerCredentialsUnavailable(String)

    public var description: String {
        switch self {
        case .socketInUse(let path):
            return "another process is serving the admin socket \(path); stop it (is gosgated already running?) before starting this one"
        case .pathNotSocket(let path):
            return "\(path) exists and is not a socket; move it away or set admin.socket to another path"
        case .cannotListen(let path, let reason):
            return "cannot listen on the admin socket \(path): \(reason) (check that the directory exists and belongs to the gosgate user; RuntimeDirectory=gosgate creates /run/gosgate)"
        case .activationFailed(let reason):
            return "the admin socket passed by systemd is unusable: \(reason); check gosgate-admin.socket"
        case .peerCredentialsUnavailable(let reason):
            return "cannot read the caller's credentials (SO_PEERCRED): \(reason)"
        }
    }
}

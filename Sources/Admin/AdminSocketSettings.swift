#if canImport(Glibc)
import Glibc
#endif

/// Where the admin socket is and who may open it. The file mode is the first gate (the kernel
/// refuses `connect()` without write permission); tiers only narrow what a connected caller may do.
public struct AdminSocketSettings: Sendable, Equatable {
    /// `admin.socket`, `/run/gosgate/admin.sock` by default.
    public var path: String
    /// 0660 by default: the owner and the group may connect. Widen it (0666) only to let operators
    /// and viewers outside the group in; their tiers still hold.
    public var mode: mode_t
    /// The socket's group, when it exists on this host.
    public var group: String?

    public init(path: String, mode: mode_t = 0o660, group: String? = "gosgate-admin") {
        self.path = path
        self.mode = mode
        self.group = group
    }
}

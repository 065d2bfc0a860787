#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The sockets systemd passed through socket activation (`LISTEN_PID`, `LISTEN_FDS`,
/// `LISTEN_FDNAMES`; descriptors start at 3), looked up by `FileDescriptorName=`.
///
/// gosgate ships `gosgate.socket` (the gateway listener, named `gateway`) and `gosgate-admin.socket`
/// (the admin socket, named `admin`). With them, systemd owns the admin socket's mode and group,
/// and clients queue instead of being refused while the service restarts. Without them nothing is
/// passed, `sockets` is empty, and the daemon binds its configured addresses itself.
public struct SocketActivation: Sendable {
    /// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: CInt = 3

    /// Every passed socket, in descriptor order.
    public let sockets: [ActivatedSocket]

    /// Takes the sockets passed to this process and clears `LISTEN_*` from the environment, so
    /// that child processes do not believe the sockets are theirs.
    public static func takeFromProcess() throws(SocketActivationError) -> SocketActivation {
        let activation = try SocketActivation(environment: ProcessInfo.processInfo.environment, processID: getpid())
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
        return activation
    }

    /// Reads the `LISTEN_*` variables from `environment`. Sockets meant for another process
    /// (`LISTEN_PID` is not `processID`) or no `LISTEN_*` at all mean no sockets, not an error.
    /// Each passed descriptor gets close-on-exec.
    public init(environment: [String: String], processID: pid_t,
                firstDescriptor: CInt = SocketActivation.firstDescriptor) throws(SocketActivationError) {
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else {
            sockets = []
            return
        }
        guard let pid = pid_t(pidText), pid > 0 else { throw .invalidVariable(name: "LISTEN_PID", value: pidText) }
        guard pid == processID else {
            sockets = []
            return
        }
        guard let count = Int(countText), count >= 0, count <= Int(CInt.max - firstDescriptor) else {
            throw .invalidVariable(name: "LISTEN_FDS", value: countText)
        }
        var names = Array(repeating: "unknown", count: count)
        if let namesText = environment["LISTEN_FDNAMES"], count > 0 {
            let given = namesText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard given.count == count else {
                throw .nameCountMismatch(descriptors: count, names: given.count)
            }
            names = given
        }
        var sockets: [ActivatedSocket] = []
        for index in 0..<count {
            let descriptor = firstDescriptor + CInt(index)
            let flags = fcntl(descriptor, F_GETFD)
            guard flags >= 0 else { throw .descriptorNotOpen(descriptor) }
            _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC)
            sockets.append(ActivatedSocket(descriptor: descriptor, name: names[index]))
        }
        self.sockets = sockets
    }

    /// True when systemd passed nothing: bind the configured addresses.
    public var isEmpty: Bool { sockets.isEmpty }

    /// The sockets whose `FileDescriptorName=` is `name` (a socket unit with several `ListenStream=`
    /// lines passes several under one name).
    public func sockets(named name: String) -> [ActivatedSocket] {
        sockets.filter { $0.name == name }
    }

    /// The listening stream sockets named `name`; throws when one of that name cannot accept
    /// connections (a datagram socket, or `Accept=yes` in the socket unit).
    public func listeners(named name: String) throws(SocketActivationError) -> [ActivatedSocket] {
        let named = sockets(named: name)
        if let unusable = named.first(where: { !$0.isListeningStream }) {
            throw .notListeningStream(name: name, descriptor: unusable.descriptor)
        }
        return named
    }
}

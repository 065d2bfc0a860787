#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Who is on the other end of an admin connection, as the kernel recorded it at `connect()`
/// (`SO_PEERCRED`): not something the caller can claim.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32

    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }

    /// `uid=0 gid=0 pid=42`: the audit log's actor for admin calls.
    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }

    /// Layout of Linux's `struct ucred` (pid, uid, gid; 32 bits each), which Swift's Glibc module
    /// does not export.
    struct KernelLayout: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// Reads `SO_PEERCRED` from an accepted Unix-socket channel.
    /// - Throws: `AdminServerError.peerCredentialsUnavailable` when the channel is not a socket
    ///   that carries credentials.
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(
                AdminServerError.peerCredentialsUnavailable("the connection is not a socket"))
        }
        let future: EventLoopFuture<KernelLayout> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.flatMapThrowing { raw in
            // A pid of 0 means the kernel had no credentials to give (not a Unix socket).
            guard raw.pid > 0 else { throw AdminServerError.peerCredentialsUnavailable("the kernel reported no peer") }
            return PeerCredentials(uid: raw.uid, gid: raw.gid, pid: raw.pid)
        }.flatMapErrorThrowing { error in
            if error is AdminServerError { throw error }
            throw AdminServerError.peerCredentialsUnavailable("\(error)")
        }
    }
}

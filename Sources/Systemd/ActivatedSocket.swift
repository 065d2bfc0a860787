#if canImport(Glibc)
import Glibc
#endif
import CSystemd
import NIOCore

/// A socket systemd opened for the service and passed on start-up (`ListenStream=` in a `.socket`
/// unit). The service owns the descriptor; hand it to NIO with `withBoundSocket(_:)`.
public struct ActivatedSocket: Sendable, Equatable {
    /// The file descriptor, counted from 3.
    public let descriptor: CInt
    /// `FileDescriptorName=` of the socket unit (the unit's name when unset), or `unknown` when
    /// systemd passed no names.
    public let name: String
    /// True for a stream socket in the listening state, the only kind gosgate serves on.
    public let isListeningStream: Bool
    /// The address the socket is bound to, when it is an IPv4, IPv6 or Unix socket.
    public let localAddress: SocketAddress?

    /// Inspects `descriptor`.
    init(descriptor: CInt, name: String) {
        self.descriptor = descriptor
        self.name = name
        self.isListeningStream = sd_is_socket(descriptor, AF_UNSPEC, CInt(SOCK_STREAM.rawValue), 1) > 0
        self.localAddress = Self.localAddress(of: descriptor)
    }

    private static func localAddress(of descriptor: CInt) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return nil }
        let family = CInt(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer -> SocketAddress? in
            switch family {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee) }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee) }
            case AF_UNIX:
                return pointer.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { SocketAddress($0.pointee) }
            default:
                return nil
            }
        }
    }
}

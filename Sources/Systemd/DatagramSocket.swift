#if canImport(Glibc)
import Glibc
#endif
import CSystemd

/// An unbound, unconnected `AF_UNIX` datagram socket, the transport of both the notify protocol and
/// the native journal protocol. Closed when released.
final class DatagramSocket: Sendable {
    let descriptor: CInt

    /// Opens the socket; on failure returns the `errno` of `socket(2)`.
    static func open() -> Result<DatagramSocket, SystemError> {
        let descriptor = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return .failure(SystemError(call: "socket", code: errno)) }
        return .success(DatagramSocket(descriptor: descriptor))
    }

    private init(descriptor: CInt) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Asks the kernel for a send buffer of `bytes`; the kernel may cap it, which is harmless.
    func requestSendBuffer(_ bytes: CInt) {
        var value = bytes
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &value, socklen_t(MemoryLayout<CInt>.size))
    }

    /// Sends one datagram holding `bytes` to `address`.
    func send(_ bytes: [UInt8], to address: UnixSocketAddress) -> Result<Void, SystemError> {
        let sent = bytes.withUnsafeBytes { buffer in
            address.withSocketAddress { socketAddress, length in
                sendto(descriptor, buffer.baseAddress, buffer.count, CInt(MSG_NOSIGNAL), socketAddress, length)
            }
        }
        if sent < 0 { return .failure(SystemError(call: "sendto", code: errno)) }
        return .success(())
    }

    /// Sends an empty datagram carrying `descriptor` (SCM_RIGHTS) to `address`.
    func send(descriptor passed: CInt, to address: UnixSocketAddress) -> Result<Void, SystemError> {
        let sent = address.withUnixAddress { unixAddress, length in
            csystemd_send_descriptor(descriptor, unixAddress, length, passed)
        }
        if sent < 0 { return .failure(SystemError(call: "sendmsg", code: errno)) }
        return .success(())
    }
}

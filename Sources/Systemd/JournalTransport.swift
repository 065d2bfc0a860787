#if canImport(Glibc)
import Glibc
#endif
import CSystemd

/// Delivers encoded journal entries to journald's native socket, as `sd_journal_sendv(3)` does:
/// one datagram per entry, and for an entry too large for a datagram, a sealed memfd passed over
/// the socket. When no journald listens there, entries go to standard error as text lines instead.
final class JournalTransport: Sendable {
    let address: UnixSocketAddress?
    private let socket: DatagramSocket?
    private let fallbackDescriptor: CInt

    init(socketPath: String, fallbackDescriptor: CInt) {
        address = UnixSocketAddress(socketPath)
        self.fallbackDescriptor = fallbackDescriptor
        socket = try? DatagramSocket.open().get()
        // journald reads up to 8 MiB per datagram; ask for as much send buffer so most entries fit.
        socket?.requestSendBuffer(8 * 1024 * 1024)
    }

    /// Sends `entry`; returns false when journald could not take it (no socket, no journald).
    func send(_ entry: [UInt8]) -> Bool {
        guard let socket, let address else { return false }
        switch socket.send(entry, to: address) {
        case .success:
            return true
        case .failure(let error) where error.code == EMSGSIZE || error.code == ENOBUFS:
            return sendThroughMemoryFile(entry, socket: socket, address: address)
        case .failure:
            return false
        }
    }

    /// Writes a line to the fallback descriptor (standard error) when there is no journal.
    func writeFallback(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fallbackDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    private func sendThroughMemoryFile(_ entry: [UInt8], socket: DatagramSocket, address: UnixSocketAddress) -> Bool {
        let descriptor = entry.withUnsafeBytes { csystemd_sealed_memfd("journal-entry", $0.baseAddress, $0.count) }
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if case .success = socket.send(descriptor: descriptor, to: address) { return true }
        return false
    }
}

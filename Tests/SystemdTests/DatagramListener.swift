import CSystemd
import Foundation
import TestSupport

/// A Unix datagram socket the test binds in a temporary directory and reads as systemd (for
/// `NOTIFY_SOCKET`) or journald (for the native socket) would: with `SO_PASSCRED`, so each
/// datagram arrives with the sender's PID attached by the kernel.
final class DatagramListener: @unchecked Sendable {
    // @unchecked: the descriptor is only read after init and closed in deinit.

    /// One received datagram.
    struct Datagram {
        let bytes: [UInt8]
        let senderPID: pid_t
        var text: String { String(decoding: bytes, as: UTF8.self) }

        /// `NAME=value` lines as the notify protocol reads them.
        var assignments: [String: String] {
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            return fields
        }
    }

    let path: String
    private let descriptor: CInt
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "gosgate-notify")
        path = directory.path("notify.sock")
        descriptor = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ListenerFailure("socket: errno \(errno)") }
        var on: CInt = 1
        setsockopt(descriptor, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<CInt>.size))
        var receiveBuffer: CInt = 8 * 1024 * 1024
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &receiveBuffer, socklen_t(MemoryLayout<CInt>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw ListenerFailure("bind \(path): errno \(errno)") }
    }

    deinit {
        close(descriptor)
        directory.remove()
    }

    /// The next datagram, or nil when none arrives within `timeout` seconds. Waits without
    /// blocking a thread, so that the code under test keeps running on the same task pool.
    func receive(timeout: Double = 10) async -> Datagram? {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            if let datagram = receiveWaiting() { return datagram }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// A datagram that is already waiting, if any.
    func receiveWaiting() -> Datagram? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1024 * 1024)
        var pid: pid_t = 0
        var uid: uid_t = 0
        let count = buffer.withUnsafeMutableBytes {
            csystemd_receive_with_credentials(descriptor, $0.baseAddress, $0.count, &pid, &uid)
        }
        guard count >= 0 else { return nil }
        return Datagram(bytes: Array(buffer[0..<count]), senderPID: pid)
    }

    /// Every datagram that is already waiting.
    func drain() -> [Datagram] {
        var datagrams: [Datagram] = []
        while let datagram = receiveWaiting() { datagrams.append(datagram) }
        return datagrams
    }
}

struct ListenerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

#if canImport(Glibc)
import Glibc
#endif

/// An `AF_UNIX` datagram destination as systemd spells it: an absolute file system path, or an
/// abstract-namespace name written with a leading `@` (the form `NOTIFY_SOCKET` may take).
struct UnixSocketAddress: Sendable, CustomStringConvertible {
    /// The address as given, for messages.
    let description: String
    private let address: sockaddr_un
    private let length: socklen_t

    /// Nil when `path` is neither absolute nor abstract, or does not fit in `sun_path`.
    init?(_ path: String) {
        var bytes = Array(path.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        let isAbstract = first == UInt8(ascii: "@")
        if isAbstract { bytes[0] = 0 }
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs room for its terminating NUL; an abstract name is counted exactly.
        guard bytes.count <= (isAbstract ? capacity : capacity - 1) else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        self.description = path
        self.address = address
        self.length = socklen_t(pathOffset + bytes.count + (isAbstract ? 0 : 1))
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result) rethrows -> Result {
        var address = self.address
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    /// Calls `body` with the address as a `sockaddr_un` pointer and its length.
    func withUnixAddress<Result>(_ body: (UnsafePointer<sockaddr_un>, socklen_t) throws -> Result) rethrows -> Result {
        var address = self.address
        return try withUnsafePointer(to: &address) { try body($0, length) }
    }
}
